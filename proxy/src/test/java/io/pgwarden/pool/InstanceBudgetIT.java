package io.pgwarden.pool;

import io.pgwarden.Pgwarden;
import io.pgwarden.config.ConfigLoader;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.embedded.EmbeddedPostgresServer;
import io.pgwarden.metrics.PoolView;
import io.pgwarden.provision.Provisioner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One instance with max_connections = 30 (a budget of 17 after the reserved connections and the
 * headroom), a flooded database and two calm ones: the calm ones are served, PostgreSQL never
 * refuses a connection, and pgwarden never holds more than its budget; a calm database that went
 * quiet gives its connections to the flood and gets one back when it needs it. Quotas refuse with 53300.
 */
class InstanceBudgetIT {

    private static final String CONFIG = """
            listen: {host: 127.0.0.1, port: 0}
            limits: {max_client_connections: 200}
            backends:
              main: {host: 127.0.0.1, port: "${PG_PORT}", admin_user: postgres}
            pool:
              pool_mode: transaction
              query_wait_timeout: 20s
            databases:
              noisy: {backend: main, dbname: noisy_db, user: noisy_owner, password: noisy-pw, pool_size: 40}
              calm1: {backend: main, dbname: calm1_db, user: calm1_owner, password: calm1-pw, pool_size: 10}
              calm2: {backend: main, dbname: calm2_db, user: calm2_owner, password: calm2-pw, pool_size: 10, max_client_connections: 6}
            services:
              noisy-service: {password: noisy, databases: [noisy]}
              calm-service: {password: calm, databases: [calm1, calm2]}
              capped-service: {password: capped, databases: [calm1], max_connections: 2}
            """;

    private static EmbeddedPostgresServer postgres;
    private static Pgwarden pgwarden;

    @BeforeAll
    static void start() throws Exception {
        postgres = EmbeddedPostgresServer.start(0, null, Map.of("max_connections", "30"));
        int port = postgres.port();
        PgwardenConfig config = ConfigLoader.parse(CONFIG, "budget.yaml", Map.of("PG_PORT", String.valueOf(port))::get);
        new Provisioner().provision(config);
        pgwarden = new Pgwarden(config).start();
    }

    @AfterAll
    static void stop() {
        if (pgwarden != null) {
            pgwarden.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    private static Connection connect(String service, String password, String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgwarden.port() + "/" + database
                + "?connectTimeout=10&socketTimeout=60", service, password);
    }

    @Test
    void theBudgetIsReadFromTheInstance() {
        assertEquals(17, pgwarden.pool("noisy").budget().capacity(), "30 - 3 superuser_reserved - 10 headroom");
    }

    @Test
    void aFloodInOneDatabaseLeavesTheCalmOnesServedAndPostgresNeverRefuses() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        Map<String, AtomicLong> done = new ConcurrentHashMap<>();
        List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicInteger mostHeld = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(70);
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            futures.add(clients.submit(() -> loop("noisy-service", "noisy", "noisy", "SELECT pg_sleep(0.05)", running, done, errors)));
        }
        Thread.sleep(1500); // the flood alone may take the whole budget
        for (String calm : new String[] {"calm1", "calm2"}) {
            for (int i = 0; i < 4; i++) {
                futures.add(clients.submit(() -> loop("calm-service", "calm", calm, "SELECT 1", running, done, errors)));
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
        while (System.nanoTime() < deadline) {
            mostHeld.accumulateAndGet(backendConnections(), Math::max);
            Thread.sleep(100);
        }
        running.set(false);
        for (java.util.concurrent.Future<?> future : futures) {
            future.get(60, TimeUnit.SECONDS);
        }
        clients.shutdown();
        System.out.printf("flood: transactions in 6 s %s, most server connections held %d of a budget of 17%n", done, mostHeld.get());
        assertEquals(List.of(), errors, "no client saw an error, none a refusal from PostgreSQL");
        assertTrue(done.get("calm1").get() > 200 && done.get("calm2").get() > 200,
                "the calm databases were served: " + done);
        assertTrue(done.get("noisy").get() > 100, "the flood got the rest of the capacity: " + done);
        assertTrue(mostHeld.get() <= 17, "pgwarden held at most its budget: " + mostHeld.get());
        assertTrue(pgwarden.pool("noisy").throttledCount() > 0 || pgwarden.pool("calm1").throttledCount() > 0,
                "the budget, not pool_size, made someone wait");
    }

    @Test
    void aCalmDatabaseThatWentQuietGivesItsConnectionsToTheFloodAndIsServedWhenItComesBack() throws Exception {
        List<Connection> calm = new ArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(40);
        AtomicBoolean running = new AtomicBoolean(true);
        List<java.util.concurrent.Future<?>> flood = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                calm.add(connect("calm-service", "calm", "calm1"));
            }
            List<java.util.concurrent.Future<?>> burst = new ArrayList<>();
            for (Connection c : calm) { // a burst of 8 at once; then its clients stay connected, idle
                burst.add(clients.submit(() -> {
                    try (Statement st = c.createStatement()) {
                        return st.execute("SELECT pg_sleep(0.3)");
                    }
                }));
            }
            for (java.util.concurrent.Future<?> f : burst) {
                f.get(30, TimeUnit.SECONDS);
            }
            Map<String, AtomicLong> done = new ConcurrentHashMap<>();
            List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (int i = 0; i < 30; i++) {
                flood.add(clients.submit(() -> loop("noisy-service", "noisy", "noisy", "SELECT pg_sleep(0.05)", running, done, errors)));
            }
            long start = System.nanoTime();
            long deadline = start + TimeUnit.SECONDS.toNanos(40);
            while (System.nanoTime() < deadline && !(held("calm1") == 0 && held("noisy") >= 16)) {
                Thread.sleep(200);
            }
            System.out.printf("quiet calm1: after %d ms calm1 holds %d, noisy %d of 17%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), held("calm1"), held("noisy"));
            assertEquals(0, held("calm1"), "connections calm1 has not used for the whole window went to the flood");
            assertTrue(held("noisy") >= 16, "the flood has the budget, not a share of it: " + held("noisy"));

            long back = System.nanoTime();
            try (Statement st = calm.get(0).createStatement()) {
                st.execute("SELECT 1");
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - back);
            System.out.printf("calm1 back: served after %d ms%n", millis);
            assertTrue(millis < 5000, "calm1 is below its share again: a flood connection comes back to it at the end of"
                    + " a flood transaction, not after the window (" + millis + " ms)");
            assertEquals(List.of(), errors);
        } finally {
            running.set(false);
            for (java.util.concurrent.Future<?> f : flood) {
                f.get(60, TimeUnit.SECONDS);
            }
            clients.shutdown();
            for (Connection c : calm) {
                c.close();
            }
        }
    }

    private static int held(String database) {
        PoolView pool = pgwarden.pool(database);
        return pool.serversActive() + pool.serversIdle() + pool.serversLogin();
    }

    private static Object loop(String service, String password, String database, String sql, AtomicBoolean running,
                               Map<String, AtomicLong> done, List<String> errors) {
        try (Connection c = connect(service, password, database); Statement st = c.createStatement()) {
            while (running.get()) {
                st.execute(sql);
                done.computeIfAbsent(database, k -> new AtomicLong()).incrementAndGet();
            }
        } catch (SQLException e) {
            errors.add(database + ": " + e.getSQLState() + " " + e.getMessage());
        }
        return null;
    }

    /** Connections of the three databases PostgreSQL has now (pgwarden's, since nobody else connects). */
    private static int backendConnections() throws SQLException {
        try (Connection admin = postgres.adminDataSource("postgres").getConnection(); Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname IN ('noisy_db', 'calm1_db', 'calm2_db')")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void aServiceOverItsQuotaGets53300NamingIt() throws SQLException {
        try (Connection a = connect("capped-service", "capped", "calm1"); Connection b = connect("capped-service", "capped", "calm1")) {
            SQLException e = assertThrows(SQLException.class, () -> connect("capped-service", "capped", "calm1").close());
            assertEquals("53300", e.getSQLState());
            assertTrue(e.getMessage().contains("services.capped-service.max_connections is 2"), e.getMessage());
        }
        try (Connection again = connect("capped-service", "capped", "calm1")) {
            assertTrue(again.isValid(5), "the quota frees up when clients leave");
        }
    }

    @Test
    void aDatabaseOverItsClientQuotaGets53300NamingIt() throws SQLException {
        List<Connection> open = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                open.add(connect("calm-service", "calm", "calm2"));
            }
            SQLException e = assertThrows(SQLException.class, () -> connect("calm-service", "calm", "calm2").close());
            assertEquals("53300", e.getSQLState());
            assertTrue(e.getMessage().contains("databases.calm2.max_client_connections is 6"), e.getMessage());
        } finally {
            for (Connection c : open) {
                c.close();
            }
        }
    }
}
