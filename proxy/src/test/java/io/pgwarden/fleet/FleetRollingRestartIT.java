package io.pgwarden.fleet;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.pgwarden.Eventually;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rolling restart of a fleet behind HAProxy: each of the three replicas in turn drains (as on
 * SIGTERM), stops, and starts again on its port, while HikariCP runs short transactions through the
 * front. HAProxy checks each replica's {@code /health/ready}, so a draining replica leaves the
 * rotation at once; HikariCP's connections reach their maxLifetime within {@code shutdown_delay} and
 * are replaced through the front by connections to the other replicas. No transaction may fail.
 */
class FleetRollingRestartIT {

    /** Shorter than shutdown_delay, with room for HAProxy's check and a transaction's end. */
    static final Duration MAX_LIFETIME = Duration.ofSeconds(3);

    static final String CONFIG = """
            listen: {host: 127.0.0.1, port: "${PORT}"}
            http: {host: 127.0.0.1, port: "${HTTP_PORT}"}
            shutdown_delay: 6s
            shutdown_timeout: 20s
            backends:
              main: {host: 127.0.0.1, port: "${PG_PORT}", admin_user: postgres, sample_interval: 200ms}
            pool: {query_wait_timeout: 10s}
            databases:
              app_tx: {backend: main, dbname: app_db, user: app_owner, password: app-db-pw, pool_mode: transaction, pool_size: 6}
            services:
              raw-service: {password: raw-pw, auth: md5, databases: [app_tx]}
            fleet:
              replica_id: "${REPLICA}"
              expected_replicas: 3
              peers: ["127.0.0.1:${PEER0}", "127.0.0.1:${PEER1}", "127.0.0.1:${PEER2}"]
              peer_refresh_interval: 1s
            """;

    static final int WORKERS = 6;

    private LocalFleet fleet;

    @AfterEach
    void stop() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
    }

    /** pgjdbc's DataSource, counting the connections HikariCP opens and the ones refused (by SQLSTATE). */
    static final class CountingDataSource extends PGSimpleDataSource {
        final AtomicInteger opened = new AtomicInteger();
        final Map<String, AtomicInteger> refused = new ConcurrentHashMap<>();

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            try {
                Connection connection = super.getConnection(user, password);
                opened.incrementAndGet();
                return connection;
            } catch (SQLException e) {
                refused.computeIfAbsent(e.getSQLState(), state -> new AtomicInteger()).incrementAndGet();
                throw e;
            }
        }

        int refusedTotal() {
            return refused.values().stream().mapToInt(AtomicInteger::get).sum();
        }
    }

    private static double transactions(LocalFleet fleet, int replica) {
        return fleet.metrics(replica).samples("pgwarden_transactions_total").stream()
                .filter(sample -> "app_tx".equals(sample.labels().get("database")))
                .mapToDouble(io.pgwarden.metrics.PrometheusText.Sample::value).sum();
    }

    @Test
    void aRollingRestartOfTheThreeReplicasFailsNoTransaction() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/haproxy")),
                "skipped: haproxy is not installed (apt-get install haproxy)");
        fleet = LocalFleet.start(CONFIG, Map.of());
        assertTrue(fleet.startFront(true));
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + fleet.port(0) + "/app_tx",
                "raw-service", "raw-pw"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE rolling (id bigint PRIMARY KEY, worker int NOT NULL, n int NOT NULL)");
        }

        CountingDataSource pgjdbc = new CountingDataSource();
        pgjdbc.setServerNames(new String[] {"127.0.0.1"});
        pgjdbc.setPortNumbers(new int[] {fleet.frontPort()});
        pgjdbc.setDatabaseName("app_tx");
        pgjdbc.setUser("raw-service");
        pgjdbc.setPassword("raw-pw");
        pgjdbc.setConnectTimeout(5);
        pgjdbc.setSocketTimeout(30);
        HikariConfig config = new HikariConfig();
        config.setDataSource(pgjdbc);
        config.setPoolName("rolling");
        config.setMaximumPoolSize(WORKERS);
        config.setAutoCommit(false);
        config.setConnectionTimeout(15_000);

        Set<Long> committed = ConcurrentHashMap.newKeySet();
        List<String> failed = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicLong ids = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService threads = Executors.newFixedThreadPool(WORKERS);
        List<Duration> pauses = new ArrayList<>();
        List<Integer> committedDuringDrain = new ArrayList<>();
        try (HikariDataSource hikari = new HikariDataSource(config)) {
            // HikariCP will not take a maxLifetime under 30 s from its config; set at run time it applies
            // to every connection opened from now on, so that the test need not wait 30 s per replica
            hikari.getHikariConfigMXBean().setMaxLifetime(MAX_LIFETIME.toMillis());
            hikari.getHikariPoolMXBean().softEvictConnections();
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                int worker = w;
                workers.add(threads.submit(() -> {
                    while (running.get()) {
                        long id = ids.incrementAndGet();
                        try (Connection c = hikari.getConnection();
                             PreparedStatement insert = c.prepareStatement("INSERT INTO rolling (id, worker, n) VALUES (?, ?, 0)");
                             PreparedStatement update = c.prepareStatement("UPDATE rolling SET n = n + 1 WHERE id = ?")) {
                            insert.setLong(1, id);
                            insert.setInt(2, worker);
                            insert.executeUpdate();
                            update.setLong(1, id);
                            assertEquals(1, update.executeUpdate());
                            c.commit();
                            committed.add(id);
                        } catch (SQLException | RuntimeException | Error e) {
                            failed.add("transaction " + id + ": " + (e instanceof SQLException s ? s.getSQLState() + " " : "") + e);
                        }
                    }
                    return null;
                }));
            }
            Eventually.await("the workload to commit through the front", () -> committed.size(), n -> n >= 100);

            for (int replica = 0; replica < LocalFleet.SIZE; replica++) {
                int before = committed.size();
                pauses.add(fleet.drain(replica, Duration.ofSeconds(30)));
                committedDuringDrain.add(committed.size() - before);
                fleet.restart(replica);
                int restarted = replica;
                Eventually.await("replica " + restarted + " to serve transactions again after its restart", Duration.ofSeconds(30),
                        () -> transactions(fleet, restarted), n -> n > 0);
            }
            // the replicas restarted first still serve once the last is back
            for (int replica = 0; replica < LocalFleet.SIZE; replica++) {
                double now = transactions(fleet, replica);
                int r = replica;
                Eventually.await("replica " + r + " to serve after the rolling restart", Duration.ofSeconds(30),
                        () -> transactions(fleet, r), n -> n > now);
            }
            running.set(false);
            for (Future<?> worker : workers) {
                worker.get(60, TimeUnit.SECONDS);
            }
        } finally {
            running.set(false);
            threads.shutdownNow();
        }

        Set<Long> inTable = new HashSet<>();
        try (Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + fleet.port(0) + "/app_tx",
                "raw-service", "raw-pw"); Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("SELECT id FROM rolling WHERE n = 1")) {
            while (rs.next()) {
                inTable.add(rs.getLong(1));
            }
        }
        System.out.printf("fleet rolling restart through HAProxy: %d transactions committed, %d failed; drains took %s ms; "
                        + "committed during each drain %s; %d connections opened, %d refused %s%n",
                committed.size(), failed.size(), pauses.stream().map(Duration::toMillis).toList(), committedDuringDrain,
                pgjdbc.opened.get(), pgjdbc.refusedTotal(), pgjdbc.refused);
        assertEquals(List.of(), failed.subList(0, Math.min(failed.size(), 20)), failed.size() + " transactions failed");
        Set<Long> missing = new HashSet<>(committed);
        missing.removeAll(inTable);
        assertEquals(Set.of(), missing, "every committed row is in the table, updated once");
        committedDuringDrain.forEach(n -> assertTrue(n > 0, "the workload committed while each replica drained: " + committedDuringDrain));
        assertTrue(pgjdbc.opened.get() > 3 * WORKERS, "HikariCP's connections cycled: " + pgjdbc.opened.get() + " opened");
    }
}
