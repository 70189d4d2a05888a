package io.pgwarden.pool;

import io.pgwarden.backend.AdminConnector;
import io.pgwarden.config.BackendConfig;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.PgwardenConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Shares each instance's budget among the replicas of a fleet, through PostgreSQL itself. Every
 * {@code sample_interval}, for each backend, on a thread of its own (JDBC blocks), under a
 * transaction-scoped advisory lock that all replicas take:
 * <ol>
 *   <li>reads pg_stat_activity: the other replicas' markers (their admin connection's
 *       application_name, {@code pgwarden/<id> reserved=<n> held=<n> want=<n>}) and the connections
 *       of the databases' roles;</li>
 *   <li>decides this replica's capacity ({@link FleetSplit});</li>
 *   <li>lowers its budget at once, or raises it only after publishing the new reservation: the
 *       replicas' capacities never add up to more than the instance's budget.</li>
 * </ol>
 * A replica that dies loses its marker with its connection, and its server connections vanish from
 * pg_stat_activity: the others take its part at their next round. A replica that cannot reach the
 * instance keeps no more than it holds until it can publish again.
 */
public final class FleetBudgetSync implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FleetBudgetSync.class);
    private static final Pattern MARKER = Pattern.compile("pgwarden/(\\d+) reserved=(\\d+) held=(\\d+) want=(\\d+)");
    /** Connect, lock and query within this: a stuck instance must not hold the round for ever. */
    private static final Duration MAX_ROUND_TIME = Duration.ofSeconds(5);

    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread sync = new Thread(runnable, "pgwarden-fleet");
        sync.setDaemon(true);
        return sync;
    });
    private final List<Backend> backends = new ArrayList<>();

    /** One backend's share: its budget, the whole instance's, and the marker connection. */
    private static final class Backend {
        final BackendConfig config;
        final List<DatabaseConfig> databases;
        final InstanceBudget budget;
        final int instance;
        final AdminConnector connector;
        Connection marker;
        boolean failing;

        Backend(BackendConfig config, List<DatabaseConfig> databases, InstanceBudget budget, int instance,
                AdminConnector connector) {
            this.config = config;
            this.databases = databases;
            this.budget = budget;
            this.instance = instance;
            this.connector = connector;
        }
    }

    private final int replicaId;

    public FleetBudgetSync(PgwardenConfig config, int replicaId, Pools pools) {
        this.replicaId = replicaId;
        for (BackendConfig backend : config.backends().values()) {
            if (backend.sampleInterval().isZero()) {
                log.warn("backend \"{}\" is not sampled (sample_interval 0): this replica keeps the static split of its budget, {} "
                        + "connections", backend.name(), pools.budget(backend.name()).capacity());
                continue;
            }
            Duration timeout = backend.sampleInterval().compareTo(MAX_ROUND_TIME) < 0 ? backend.sampleInterval() : MAX_ROUND_TIME;
            backends.add(new Backend(backend, config.databasesOn(backend.name()), pools.budget(backend.name()),
                    pools.instanceCapacity(backend.name()), AdminConnector.pgjdbc("pgwarden/" + replicaId + " fleet", timeout)));
        }
    }

    public FleetBudgetSync start() {
        for (Backend backend : backends) {
            thread.scheduleWithFixedDelay(() -> roundSafely(backend), 0, backend.config.sampleInterval().toNanos(), TimeUnit.NANOSECONDS);
        }
        return this;
    }

    /** What a replica's marker connection shows as application_name (at most 63 characters, NAMEDATALEN - 1). */
    static String marker(int replicaId, int reserved, int held, int want) {
        return "pgwarden/" + replicaId + " reserved=" + reserved + " held=" + held + " want=" + want;
    }

    private void roundSafely(Backend backend) {
        try {
            round(backend);
            if (backend.failing) {
                log.info("backend \"{}\": fleet budget shared again (capacity {})", backend.config.name(), backend.budget.capacity());
            }
            backend.failing = false;
        } catch (SQLException | RuntimeException e) {
            closeMarker(backend);
            // unpublished, this replica must not grow into what the others may take: it keeps what it holds
            int frozen = Math.min(backend.budget.capacity(), backend.budget.used());
            backend.budget.setCapacity(frozen).forEach(Runnable::run);
            if (!backend.failing) {
                log.warn("backend \"{}\": could not share the fleet's budget ({}); keeping at most the {} connections held until it can",
                        backend.config.name(), e.getMessage(), frozen);
            }
            backend.failing = true;
        }
    }

    private void round(Backend backend) throws SQLException {
        if (backend.marker == null) {
            // not a marker until its first round publishes one: meanwhile what it holds counts as reserved
            backend.marker = backend.connector.connect(backend.config);
            try (Statement setup = backend.marker.createStatement()) {
                // a replica stuck inside its round must not keep the others from theirs
                setup.execute("SET idle_in_transaction_session_timeout = '10s'");
                setup.execute("SET lock_timeout = '" + MAX_ROUND_TIME.toMillis() + "ms'");
            }
            backend.marker.setAutoCommit(false);
        }
        Connection connection = backend.marker;
        try {
            try (Statement lock = connection.createStatement()) {
                lock.execute("SELECT pg_advisory_xact_lock(hashtext('pgwarden fleet budget'))");
            }
            List<FleetSplit.Peer> peers = new ArrayList<>();
            Map<List<String>, Integer> byRole = new HashMap<>();
            try (Statement read = connection.createStatement(); ResultSet rows = read.executeQuery("""
                    SELECT pid = pg_backend_pid(), usename, datname, application_name
                      FROM pg_stat_activity
                     WHERE backend_type = 'client backend'""")) {
                while (rows.next()) {
                    if (rows.getBoolean(1)) {
                        continue;
                    }
                    Matcher marker = MARKER.matcher(String.valueOf(rows.getString(4)));
                    if (marker.matches() && backend.config.adminUser().equals(rows.getString(2))) {
                        peers.add(new FleetSplit.Peer(Integer.parseInt(marker.group(1)), Integer.parseInt(marker.group(2)),
                                Integer.parseInt(marker.group(3)), Integer.parseInt(marker.group(4))));
                    } else {
                        byRole.merge(List.of(String.valueOf(rows.getString(2)), String.valueOf(rows.getString(3))), 1, Integer::sum);
                    }
                }
            }
            List<FleetSplit.Use> mine = backend.budget.uses();
            FleetSplit.Split split = FleetSplit.split(backend.instance, mine,
                    peerHeld(backend.databases, mine, byRole), peers);
            int before = backend.budget.capacity();
            List<Runnable> followUps = new ArrayList<>();
            if (split.capacity() < before) {
                followUps.addAll(backend.budget.setCapacity(split.capacity()));
            }
            int want = mine.stream().mapToInt(FleetSplit.Use::demand).sum();
            int held = backend.budget.used();
            try (PreparedStatement publish = connection.prepareStatement("SELECT set_config('application_name', ?, false)")) {
                publish.setString(1, marker(replicaId, Math.max(split.capacity(), held), held, want));
                publish.execute();
            }
            connection.commit(); // the lock goes; the reservation stays on the connection
            if (split.capacity() > before) {
                followUps.addAll(backend.budget.setCapacity(split.capacity()));
            }
            if (split.capacity() != before) {
                log.debug("backend \"{}\": fleet share {} -> {} (target {}, others reserve {}, {} peers)", backend.config.name(),
                        before, split.capacity(), String.format("%.1f", split.target()), split.othersReserved(), peers.size());
            }
            followUps.forEach(Runnable::run);
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException ignored) {
                // the connection is closed next anyway
            }
            throw e;
        }
    }

    /**
     * Connections of each database held by others: those of its role on its physical database, less this
     * replica's own. Logical databases that share a role and a physical database share the count in
     * proportion to this replica's demand there.
     */
    static Map<String, Integer> peerHeld(List<DatabaseConfig> databases, List<FleetSplit.Use> mine, Map<List<String>, Integer> byRole) {
        Map<String, FleetSplit.Use> uses = new LinkedHashMap<>();
        mine.forEach(use -> uses.put(use.database(), use));
        Map<List<String>, List<DatabaseConfig>> groups = new LinkedHashMap<>();
        databases.forEach(d -> groups.computeIfAbsent(List.of(d.user(), d.dbname()), k -> new ArrayList<>()).add(d));
        Map<String, Integer> held = new LinkedHashMap<>();
        groups.forEach((role, group) -> {
            int myHeld = group.stream().mapToInt(d -> uses.containsKey(d.name()) ? uses.get(d.name()).held() : 0).sum();
            int others = Math.max(0, byRole.getOrDefault(role, 0) - myHeld);
            int demand = group.stream().mapToInt(d -> uses.containsKey(d.name()) ? uses.get(d.name()).demand() : 0).sum();
            int given = 0;
            for (int i = 0; i < group.size(); i++) {
                DatabaseConfig d = group.get(i);
                int part = i == group.size() - 1 ? others - given
                        : demand > 0 ? others * (uses.containsKey(d.name()) ? uses.get(d.name()).demand() : 0) / demand
                        : others / group.size();
                held.put(d.name(), part);
                given += part;
            }
        });
        return held;
    }

    private static void closeMarker(Backend backend) {
        if (backend.marker != null) {
            try {
                backend.marker.close();
            } catch (SQLException ignored) {
                // gone already
            }
            backend.marker = null;
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(MAX_ROUND_TIME.toSeconds() + 1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        backends.forEach(FleetBudgetSync::closeMarker);
    }
}
