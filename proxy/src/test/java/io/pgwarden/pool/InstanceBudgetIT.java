package io.pgwarden.pool;

import io.pgwarden.Pgwarden;
import io.pgwarden.config.ConfigLoader;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.embedded.EmbeddedPostgresServer;
import io.pgwarden.Eventually;
import io.pgwarden.TestPlatform;
import io.pgwarden.metrics.PrometheusText;
import io.pgwarden.provision.Provisioner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
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
            http: {host: 127.0.0.1, port: 0}
            admin_services: [ops]
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
              ops: {password: ops-pw}
            """;

    private static EmbeddedPostgresServer postgres;
    private static Pgwarden pgwarden;
    private static Connection console;
    private static Statement admin;

    @BeforeAll
    static void start() throws Exception {
        postgres = EmbeddedPostgresServer.start(0, null, Map.of("max_connections", "30"));
        int port = postgres.port();
        PgwardenConfig config = ConfigLoader.parse(CONFIG, "budget.yaml", Map.of("PG_PORT", String.valueOf(port))::get);
        new Provisioner().provision(config);
        pgwarden = new Pgwarden(config).start();
        Properties props = new Properties();
        props.setProperty("preferQueryMode", "simple");
        console = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgwarden.port() + "/pgwarden?user=ops&password=ops-pw", props);
        admin = console.createStatement();
    }

    @AfterAll
    static void stop() throws SQLException {
        if (console != null) {
            console.close();
        }
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
    void theBudgetIsReadFromTheInstance() throws Exception {
        PrometheusText metrics = PrometheusText.parse(scrape("/metrics"));
        assertEquals(17, metrics.value("pgwarden_backend_budget_connections", Map.of("backend", "main")),
                "30 - 3 superuser_reserved - 10 headroom");
    }

    /*
     * 60 flood clients on a pool_size of 40 against a budget of 17, then 4 clients on each calm
     * database. Counts, not rates: fails if the flood never fills the budget or is never held back
     * by it (noisy's throttled stays 0 although it is below its pool_size), if either calm database
     * does not get 50 transactions done within the deadline while the flood goes on (starved calm
     * clients would wait for query_wait_timeout, 20 s), if the flood is stopped meanwhile, if any
     * client sees an error (PostgreSQL refusing a connection included), or if PostgreSQL ever
     * shows more connections of these databases than the budget.
     */
    @Test
    void aFloodInOneDatabaseLeavesTheCalmOnesServedAndPostgresNeverRefuses() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        Map<String, AtomicLong> done = new ConcurrentHashMap<>();
        for (String database : List.of("noisy", "calm1", "calm2")) {
            done.put(database, new AtomicLong());
        }
        List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicInteger mostHeld = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(70);
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < 60; i++) {
                futures.add(clients.submit(() -> loop("noisy-service", "noisy", "noisy", "SELECT pg_sleep(0.05)", running, done, errors)));
            }
            Map<String, String> flooded = Eventually.await("the flood to fill the budget and wait for it", () -> {
                mostHeld.accumulateAndGet(backendConnections(), Math::max);
                return poolRow("noisy");
            }, row -> held(row) >= 16 && Integer.parseInt(row.get("throttled")) > 0);
            System.out.printf("flood alone: %s%n", flooded);
            long noisyBefore = done.get("noisy").get();
            for (String calm : new String[] {"calm1", "calm2"}) {
                for (int i = 0; i < 4; i++) {
                    futures.add(clients.submit(() -> loop("calm-service", "calm", calm, "SELECT 1", running, done, errors)));
                }
            }
            long start = System.nanoTime();
            Eventually.await("both calm databases and the flood to get 50 transactions done", () -> {
                mostHeld.accumulateAndGet(backendConnections(), Math::max);
                return Map.of("calm1", done.get("calm1").get(), "calm2", done.get("calm2").get(),
                        "noisy since calm came", done.get("noisy").get() - noisyBefore, "errors", (long) errors.size());
            }, now -> now.get("calm1") >= 50 && now.get("calm2") >= 50
                    && now.get("noisy since calm came") >= 50 || now.get("errors") > 0);
            System.out.printf("flood: calm served in %d ms, transactions %s, most server connections held %d of a budget of 17%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), done, mostHeld.get());
        } finally {
            running.set(false);
            for (java.util.concurrent.Future<?> future : futures) {
                future.get(60, TimeUnit.SECONDS);
            }
            clients.shutdown();
        }
        assertEquals(List.of(), errors, "no client saw an error, none a refusal from PostgreSQL");
        assertTrue(mostHeld.get() <= 17, "pgwarden held at most its budget: " + mostHeld.get());
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
            Map<String, Integer> quiet = Eventually.await("calm1 to give its connections to the flood", Duration.ofSeconds(40),
                    () -> Map.of("calm1", held(poolRow("calm1")), "noisy", held(poolRow("noisy"))),
                    now -> now.get("calm1") == 0 && now.get("noisy") >= 16);
            System.out.printf("quiet calm1: after %d ms %s of 17%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), quiet);

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

    /** Server connections a SHOW POOLS row holds: lent, idle, opening and being reset. */
    private static int held(Map<String, String> row) {
        return Integer.parseInt(row.get("sv_active")) + Integer.parseInt(row.get("sv_idle"))
                + Integer.parseInt(row.get("sv_login")) + Integer.parseInt(row.get("sv_tested"));
    }

    private static synchronized Map<String, String> poolRow(String database) throws SQLException {
        return TestPlatform.poolRow(admin, database);
    }

    private static String scrape(String path) throws Exception {
        int port = pgwarden.httpPort().orElseThrow();
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
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
