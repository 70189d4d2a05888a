package io.pgwarden.admin;

import io.netty.channel.ChannelHandler;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.metrics.DatabaseTotals;
import io.pgwarden.metrics.PgwardenMetrics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;

/**
 * The admin console, shared by every admin session: runs parsed commands against the
 * {@link AdminView} and {@link AdminControl} the proxy implements, and builds the result tables.
 * It keeps no per-session state; {@link #newSession} makes the handler for one connection.
 */
public final class AdminConsole {

    /** A console query is a line of text: give the session's {@code MessageFrameDecoder} this limit. */
    public static final int MAX_MESSAGE_LENGTH = 64 * 1024;

    /** The config in force: a reload replaces it. */
    private final java.util.function.Supplier<PgwardenConfig> running;
    private final AdminView view;
    private final AdminControl control;
    private final PgwardenMetrics metrics;
    private final String version;
    private final StatsPeriods periods;

    /** @param version what SHOW VERSION answers, e.g. {@code pgwarden 0.1.0} */
    public AdminConsole(PgwardenConfig config, AdminView view, AdminControl control, PgwardenMetrics metrics,
                        String version) {
        this(() -> config, view, control, metrics, version, System::nanoTime);
    }

    /** @param running the config in force, read at each command */
    public AdminConsole(java.util.function.Supplier<PgwardenConfig> running, AdminView view, AdminControl control,
                        PgwardenMetrics metrics, String version) {
        this(running, view, control, metrics, version, System::nanoTime);
    }

    AdminConsole(PgwardenConfig config, AdminView view, AdminControl control, PgwardenMetrics metrics,
                 String version, LongSupplier nanoClock) {
        this(() -> config, view, control, metrics, version, nanoClock);
    }

    private AdminConsole(java.util.function.Supplier<PgwardenConfig> running, AdminView view, AdminControl control,
                         PgwardenMetrics metrics, String version, LongSupplier nanoClock) {
        this.running = running;
        this.view = view;
        this.control = control;
        this.metrics = metrics;
        this.version = version;
        this.periods = new StatsPeriods(nanoClock);
    }

    /**
     * The handler of one admin connection, for the client pipeline right after authentication
     * (behind a {@code MessageFrameDecoder}): it greets the client and answers simple queries.
     *
     * @param service the authenticated service, already checked with {@link AdminAccess#mayOpen}
     */
    public ChannelHandler newSession(String service) {
        return new AdminSession(this, service);
    }

    /** Whether {@code service} may still use the console (a reload may have removed it from admin_services). */
    boolean mayStay(String service) {
        return AdminAccess.mayOpen(running.get(), service);
    }

    String version() {
        return version;
    }

    /** SHOW POOLS, for the HTTP {@code /pools}. */
    public ResultTable pools() {
        return PoolTables.pools(running.get(), view.pools());
    }

    /** Runs {@code command}; PAUSE completes later, everything else at once. Failures are {@link AdminException}s. */
    CompletionStage<ResultTable> execute(AdminCommand command) {
        try {
            return switch (command.verb()) {
                case SHOW -> CompletableFuture.completedFuture(show(command.argument()));
                case PAUSE -> pause(databases(command.argument()));
                case RESUME -> done("RESUME", databases(command.argument()), control::resume);
                case RECONNECT -> done("RECONNECT", databases(command.argument()), control::reconnect);
                case KILL -> done("KILL", databases(command.argument()), control::kill);
                case DISABLE -> done("DISABLE", databases(command.argument()), control::disable);
                case ENABLE -> done("ENABLE", databases(command.argument()), control::enable);
                case WAIT_CLOSE -> waitClose(databases(command.argument()));
                case SHUTDOWN -> {
                    if (AdminCommand.WAIT_FOR_CLIENTS.equals(command.argument())) {
                        control.shutdownWaitForClients();
                    } else if (AdminCommand.WAIT_FOR_SERVERS.equals(command.argument())) {
                        control.shutdownWaitForServers();
                    }
                    yield CompletableFuture.completedFuture(ResultTable.tagOnly("SHUTDOWN"));
                }
                case RELOAD -> control.reload().thenApply(AdminConsole::reloaded);
                case SET -> CompletableFuture.completedFuture(ResultTable.tagOnly("SET"));
                case EMPTY -> throw new IllegalArgumentException("an empty query has no result table");
            };
        } catch (AdminException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** After the reply to SHUTDOWN has been written. */
    void shutdown() {
        control.shutdown();
    }

    /** The changes, one row each; a file with an error is an ERROR F0000 naming every problem, as {@code pgwarden check} does. */
    private static ResultTable reloaded(ReloadOutcome outcome) {
        if (!outcome.success()) {
            throw new java.util.concurrent.CompletionException(new AdminException(AdminException.CONFIG_FILE_ERROR,
                    "reload failed, nothing changed:\n" + String.join("\n", outcome.lines())));
        }
        ResultTable.Builder table = ResultTable.builder("RELOAD").text("change");
        outcome.lines().forEach(table::row);
        return table.build();
    }

    private ResultTable show(String what) throws AdminException {
        PgwardenConfig config = running.get();
        return switch (what) {
            case "pools" -> pools();
            case "stats" -> {
                Map<String, DatabaseTotals> totals = totals();
                yield StatsTables.stats(totals, periods.update(totals));
            }
            case "stats_totals" -> StatsTables.totals(totals());
            case "databases" -> PoolTables.databases(config, view.pools(), view);
            case "lists" -> PoolTables.lists(config, view.pools(), view);
            case "clients" -> ConnectionTables.clients(view.clients());
            case "servers" -> ConnectionTables.servers(view.servers());
            case "config" -> InfoTables.config(config);
            case "version" -> InfoTables.version(version);
            case "help" -> InfoTables.help();
            default -> throw new AdminException(AdminException.SYNTAX_ERROR,
                    "unknown SHOW argument \"" + what + "\"; SHOW HELP lists them");
        };
    }

    private Map<String, DatabaseTotals> totals() {
        Map<String, DatabaseTotals> totals = new LinkedHashMap<>();
        running.get().databases().keySet().forEach(database -> totals.put(database, metrics.forDatabase(database).totals()));
        return totals;
    }

    /** The named database, or every configured one when {@code name} is null. */
    private List<String> databases(String name) throws AdminException {
        PgwardenConfig config = running.get();
        if (name == null) {
            return List.copyOf(config.databases().keySet());
        }
        if (!config.databases().containsKey(name)) {
            throw new AdminException(AdminException.INVALID_CATALOG_NAME, "no such database: " + name);
        }
        return List.of(name);
    }

    private CompletionStage<ResultTable> pause(List<String> databases) {
        CompletableFuture<?>[] pauses = databases.stream()
                .map(database -> control.pause(database).toCompletableFuture())
                .toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(pauses).thenApply(ignored -> ResultTable.tagOnly("PAUSE"));
    }

    private CompletionStage<ResultTable> waitClose(List<String> databases) {
        CompletableFuture<?>[] closes = databases.stream()
                .map(database -> control.waitClose(database).toCompletableFuture())
                .toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(closes).thenApply(ignored -> ResultTable.tagOnly("WAIT_CLOSE"));
    }

    private static CompletionStage<ResultTable> done(String tag, List<String> databases,
                                                     java.util.function.Consumer<String> action) {
        databases.forEach(action);
        return CompletableFuture.completedFuture(ResultTable.tagOnly(tag));
    }
}
