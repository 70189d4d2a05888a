package io.pgwarden;

import io.pgwarden.admin.ReloadOutcome;
import io.pgwarden.config.BackendConfig;
import io.pgwarden.config.ConfigChange;
import io.pgwarden.config.ConfigDiff;
import io.pgwarden.config.ConfigException;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.config.RunningConfig;
import io.pgwarden.frontend.ServiceCredentials;
import io.pgwarden.metrics.PgwardenMetrics;
import io.pgwarden.pool.DatabasePool;
import io.pgwarden.pool.PoolClient;
import io.pgwarden.pool.Pools;
import io.pgwarden.protocol.SqlState;
import io.pgwarden.routing.AccessPolicy;
import io.pgwarden.tls.ClientTls;
import io.pgwarden.tls.TlsSetupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A reload, all or nothing: the file is read and validated whole, what could still fail (TLS
 * files, a backend's budget read from the instance) is prepared, and only then is anything
 * changed. The changes themselves are {@link ConfigDiff}'s; this is the thin shell that carries
 * them out. One reload at a time (SIGHUP, RELOAD, watch_config may coincide). Never on an event
 * loop: it may derive SCRAM keys and read budgets from PostgreSQL.
 *
 * <p>A database moved to another backend or dbname is applied like the rest: its pool begins the
 * move, and the reload returns. The move then goes on by itself, up to move_timeout (30 s by
 * default): the reload does not wait for it, so that RELOAD, SIGHUP and watch_config answer at
 * once, the reload lock is not held for that long, and a later reload (another move of the same
 * database, a rollback) can run meanwhile. The log says when each move ends, and with what pause;
 * so do {@code pgwarden_database_moves_total} and {@code pgwarden_database_move_seconds}.
 */
public final class ConfigReload {

    private static final Logger log = LoggerFactory.getLogger(ConfigReload.class);

    /** Where the file comes from: {@code ConfigLoader.load(path)} in production. */
    @FunctionalInterface
    public interface Source {
        PgwardenConfig load() throws ConfigException;
    }

    private final Source source;
    private final RunningConfig running;
    private final ServiceCredentials credentials;
    private final Pools pools;
    private final ClientTls tls;
    private final PgwardenMetrics metrics;

    ConfigReload(Source source, RunningConfig running, ServiceCredentials credentials, Pools pools, ClientTls tls,
                 PgwardenMetrics metrics) {
        this.source = source;
        this.running = running;
        this.credentials = credentials;
        this.pools = pools;
        this.tls = tls;
        this.metrics = metrics;
    }

    public synchronized ReloadOutcome reload() {
        if (source == null) {
            return failed(List.of("pgwarden was started without a config file: there is nothing to reload"));
        }
        PgwardenConfig file;
        try {
            file = source.load();
        } catch (ConfigException e) {
            List<String> lines = e.errors().stream().map(error -> e.sourceName() + ": " + error).toList();
            return failed(lines);
        } catch (RuntimeException e) {
            return failed(List.of("cannot read the config: " + e.getMessage()));
        }
        PgwardenConfig before = running.get();
        ConfigDiff diff = ConfigDiff.between(before, file);
        PgwardenConfig next = diff.effective();
        // what can still fail, before anything changes
        Runnable tlsSwap;
        Map<String, Integer> budgets = new LinkedHashMap<>();
        try {
            tlsSwap = tls.prepare(next.listen().tls());
            for (ConfigChange change : diff.changes()) {
                if (change.kind() == ConfigChange.Kind.BACKEND_ADDED || change.kind() == ConfigChange.Kind.BACKEND_BUDGET_CHANGED) {
                    BackendConfig backend = next.backends().get(change.subject());
                    budgets.put(backend.name(), Pools.capacityOf(backend, next));
                }
            }
            for (ConfigChange change : diff.of(ConfigChange.Kind.DATABASE_MOVED)) {
                String backend = next.databases().get(change.subject()).backend();
                if (!budgets.containsKey(backend)) {
                    pools.checkMinimumsFit(backend, next); // a budget read now was checked by capacityOf
                }
            }
        } catch (TlsSetupException | IllegalStateException e) {
            return failed(List.of(e.getMessage()));
        }
        apply(diff, before, next, budgets);
        tlsSwap.run();
        List<String> lines = new ArrayList<>();
        for (ConfigChange change : diff.changes()) {
            String line = change.describe();
            lines.add(line);
            if (change.live()) {
                log.info("reload: {}", line);
            } else {
                log.warn("reload: {}", line);
            }
        }
        log.info("config reloaded: {}", diff.isEmpty() ? "no change" : diff.changes().size() + " changes");
        metrics.configReloaded(true);
        return new ReloadOutcome(true, lines);
    }

    private ReloadOutcome failed(List<String> errors) {
        errors.forEach(error -> log.error("reload failed, nothing changed: {}", error));
        metrics.configReloaded(false);
        return new ReloadOutcome(false, errors);
    }

    private void apply(ConfigDiff diff, PgwardenConfig before, PgwardenConfig next, Map<String, Integer> budgets) {
        metrics.configure(next);
        credentials.update(next);
        Set<String> updated = new LinkedHashSet<>();
        Set<String> moved = new LinkedHashSet<>();
        for (ConfigChange change : diff.changes()) {
            switch (change.kind()) {
                case BACKEND_ADDED -> pools.addBackend(next.backends().get(change.subject()), budgets.get(change.subject()));
                case BACKEND_BUDGET_CHANGED -> pools.resizeBudget(change.subject(), budgets.get(change.subject()));
                case DATABASE_ADDED -> pools.add(next.databases().get(change.subject()));
                case DATABASE_LOGIN_CHANGED, POOL_SETTINGS_CHANGED -> updated.add(change.subject());
                case DATABASE_MOVED -> moved.add(change.subject());
                default -> {
                    // the rest takes effect through the running config (logins), or below
                }
            }
        }
        // the move first: a pool that moves keeps its location through update, and takes the new settings with it
        moved.forEach(database -> pools.move(next.databases().get(database)));
        updated.forEach(database -> pools.pool(database).update(next.databases().get(database)));
        running.set(next); // new logins follow the new file from here on
        // who may no longer be here goes at the end of its transaction: new logins are refused already
        for (ConfigChange change : diff.changes()) {
            switch (change.kind()) {
                case GRANT_REVOKED -> endClients(change.object(), change.subject(), "revoked");
                case SERVICE_REMOVED -> before.databases().keySet().forEach(db -> endClients(db, change.subject(), "revoked"));
                case DATABASE_REMOVED -> {
                    endClients(change.subject(), null, "removed");
                    pools.retire(change.subject());
                }
                case POOL_SETTINGS_CHANGED -> {
                    if (modeChanged(before, next, change.subject())) {
                        // the two modes must not share servers (prepared statements, session state): the
                        // clients of the old mode leave at their transaction's end, and reconnect in the new one
                        endClients(change.subject(), null, "pool_mode");
                    }
                }
                default -> {
                }
            }
        }
    }

    private static boolean modeChanged(PgwardenConfig before, PgwardenConfig next, String database) {
        return before.databases().get(database).pool().mode() != next.databases().get(database).pool().mode();
    }

    /** Asks the clients of {@code database} (of {@code service} only, when given) to leave at their transaction's end. */
    private void endClients(String database, String service, String reason) {
        DatabasePool pool = pools.find(database);
        if (pool == null) {
            return;
        }
        for (PoolClient client : pool.clients()) {
            if (service != null && !service.equals(client.service())) {
                continue;
            }
            if (reason.equals("pool_mode")) {
                client.endAtBoundary(SqlState.ADMIN_SHUTDOWN, DatabasePool.modeChangedMessage(database));
            } else if (service == null) {
                client.endAtBoundary(SqlState.ADMIN_SHUTDOWN, "database \"" + database
                        + "\" was removed from pgwarden's configuration");
            } else {
                client.endAtBoundary(SqlState.INSUFFICIENT_PRIVILEGE, AccessPolicy.revokedMessage(service, database));
            }
            metrics.clientEnded(database, reason);
        }
    }
}
