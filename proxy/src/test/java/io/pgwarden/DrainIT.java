package io.pgwarden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.pgwarden.config.LifecycleConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A rolling deploy: pgwarden gets SIGTERM while HikariCP pools and pgbench run transactions through
 * it. No transaction fails once begun; only what starts after the stop is refused. Each test runs a
 * pgwarden of its own in front of the shared PostgreSQL, since each one ends it.
 */
@WithPlatform
class DrainIT {

    private static TestPlatform platform;
    private static final int ACCOUNTS = 10;

    @BeforeAll
    static void tables() throws SQLException {
        try (Connection c = platform.connect("orders-service", "orders"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS drain_accounts (id int PRIMARY KEY, balance int NOT NULL)");
        }
    }

    private static void resetAccounts() throws SQLException {
        try (Connection c = platform.connect("orders-service", "orders"); Statement st = c.createStatement()) {
            st.execute("TRUNCATE drain_accounts");
            st.execute("INSERT INTO drain_accounts SELECT g, 1000 FROM generate_series(1, " + ACCOUNTS + ") g");
        }
    }

    private static int total() throws SQLException {
        try (Connection c = platform.connect("orders-service", "orders"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT sum(balance) FROM drain_accounts")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static Pgwarden start(Duration delay, Duration timeout) throws InterruptedException {
        return new Pgwarden(platform.config().withLifecycle(new LifecycleConfig(false, delay, timeout))).start();
    }

    private static HikariDataSource hikari(Pgwarden pgwarden, String database) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + pgwarden.port() + "/" + database + "?socketTimeout=30");
        config.setUsername("orders-service");
        config.setPassword(TestPlatform.PASSWORDS.get("orders-service"));
        config.setMaximumPoolSize(4);
        config.setMinimumIdle(4);
        config.setConnectionTimeout(1000);
        config.setAutoCommit(false);
        return new HikariDataSource(config);
    }

    private static int readyStatus(Pgwarden pgwarden) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pgwarden.httpPort().orElseThrow()
                + "/health/ready")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static Connection connect(Pgwarden pgwarden, String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "orders-service");
        props.setProperty("password", TestPlatform.PASSWORDS.get("orders-service"));
        props.setProperty("connectTimeout", "5");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgwarden.port() + "/" + database, props);
    }

    /** Transfers between two accounts: begun, or refused before its first statement, or failed inside (never allowed). */
    private static final class Transfers {
        final AtomicInteger committed = new AtomicInteger();
        final AtomicInteger refusedAtStart = new AtomicInteger();
        final List<String> failedInside = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicBoolean stop = new AtomicBoolean();

        void run(HikariDataSource pool, int worker) {
            java.util.Random random = new java.util.Random(worker);
            while (!stop.get()) {
                int from = 1 + random.nextInt(ACCOUNTS);
                int to = 1 + (from % ACCOUNTS);
                Connection c;
                Statement st;
                try {
                    c = pool.getConnection();
                    st = c.createStatement();
                    st.executeUpdate("UPDATE drain_accounts SET balance = balance - 1 WHERE id = " + from);
                } catch (SQLException e) {
                    refusedAtStart.incrementAndGet(); // pgwarden is going: this service would go to another instance
                    continue;
                }
                try (c; st) {
                    st.execute("SELECT pg_sleep(0.005)");
                    st.executeUpdate("UPDATE drain_accounts SET balance = balance + 1 WHERE id = " + to);
                    c.commit();
                    committed.incrementAndGet();
                } catch (SQLException e) {
                    failedInside.add(e.getSQLState() + " " + e.getMessage());
                }
            }
        }
    }

    @Test
    void hikariPoolsInBothModesLoseNoTransactionWhilePgwardenDrains() throws Exception {
        resetAccounts();
        Pgwarden pgwarden = start(Duration.ofSeconds(3), Duration.ofSeconds(60));
        Transfers transfers = new Transfers();
        ExecutorService workers = Executors.newFixedThreadPool(8);
        try (HikariDataSource transactionMode = hikari(pgwarden, "orders_tx"); HikariDataSource sessionMode = hikari(pgwarden, "orders")) {
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int worker = w;
                running.add(workers.submit(() -> transfers.run(transactionMode, worker)));
                running.add(workers.submit(() -> transfers.run(sessionMode, 100 + worker)));
            }
            Eventually.await("transfers committed through pgwarden", transfers.committed::get, n -> n >= 50);
            assertEquals(200, readyStatus(pgwarden));

            pgwarden.terminate();
            assertEquals(503, readyStatus(pgwarden), "ready turns 503 at once");
            try (Connection late = connect(pgwarden, "orders")) {
                assertTrue(late.isValid(5), "within shutdown_delay new connections are still served");
            }
            Eventually.await("new connections refused after shutdown_delay", () -> {
                try (Connection refused = connect(pgwarden, "orders")) {
                    return false;
                } catch (SQLException e) {
                    return true;
                }
            }, refused -> refused);
            // every client leaves at its transaction's end; pgwarden exits long before its shutdown_timeout
            assertTrue(awaitClosed(pgwarden, Duration.ofSeconds(30)), "pgwarden exited once its clients were gone");
            transfers.stop.set(true);
            for (Future<?> worker : running) {
                worker.get(30, TimeUnit.SECONDS);
            }
        } finally {
            workers.shutdownNow();
            pgwarden.close();
        }
        assertEquals(List.of(), transfers.failedInside, "no transaction failed once begun");
        assertTrue(transfers.committed.get() >= 50, "transactions ran: " + transfers.committed.get());
        assertEquals(ACCOUNTS * 1000, total(), "every transfer committed whole or not at all");
    }

    private static boolean awaitClosed(Pgwarden pgwarden, Duration within) throws InterruptedException {
        Thread waiter = new Thread(() -> {
            try {
                pgwarden.awaitClose();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        waiter.start();
        waiter.join(within.toMillis());
        return !waiter.isAlive();
    }

    @Test
    void pgbenchClientsAreEndedOnlyBetweenTransactions(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(pgbenchInstalled(), "skipped: pgbench is not installed (apt-get install postgresql-client)");
        resetAccounts();
        Pgwarden pgwarden = start(Duration.ZERO, Duration.ofSeconds(60));
        Path script = dir.resolve("transfer.sql");
        Files.writeString(script, """
                \\set from random(1, 10)
                BEGIN;
                UPDATE drain_accounts SET balance = balance - 1 WHERE id = :from;
                SELECT pg_sleep(0.002);
                UPDATE drain_accounts SET balance = balance + 1 WHERE id = :from % 10 + 1;
                END;
                """);
        Path log = dir.resolve("pgbench.log");
        for (String database : List.of("orders", "orders_tx")) {
            // not -T: pgbench runs until pgwarden ends its clients
            ProcessBuilder builder = new ProcessBuilder("pgbench", "-h", "127.0.0.1", "-p", String.valueOf(pgwarden.port()),
                    "-U", "orders-service", "-n", "-c", "3", "-j", "3", "-t", "100000", "-f", script.toString(), database)
                    .redirectErrorStream(true).redirectOutput(dir.resolve(database + ".log").toFile());
            builder.environment().put("PGPASSWORD", TestPlatform.PASSWORDS.get("orders-service"));
            builder.start();
        }
        try {
            Eventually.await("pgbench's 6 clients connected and working", () -> pgwarden.pool("orders").clients().size()
                    + pgwarden.pool("orders_tx").clients().size(), n -> n == 6);
            Eventually.await("transactions committed", () -> pgwarden.pool("orders_tx").meters().totals().transactions()
                    + pgwarden.pool("orders").meters().totals().transactions(), n -> n >= 100);
            pgwarden.terminate();
            assertTrue(awaitClosed(pgwarden, Duration.ofSeconds(30)), "pgwarden exited once pgbench's clients were gone");
        } finally {
            pgwarden.close();
        }
        for (String database : List.of("orders", "orders_tx")) {
            Path output = dir.resolve(database + ".log");
            String text = Eventually.await("pgbench on " + database + " finished", () -> Files.readString(output, StandardCharsets.UTF_8),
                    t -> t.contains("number of failed transactions") || t.contains("pgbench: fatal"));
            Matcher aborted = Pattern.compile("aborted in command (\\d+)").matcher(text);
            int count = 0;
            while (aborted.find()) {
                count++;
                assertEquals("1", aborted.group(1), "a client ended only at its BEGIN, between transactions: " + text);
            }
            assertEquals(3, count, text);
            assertTrue(text.contains("number of failed transactions: 0"), text);
            assertTrue(text.contains("57P01") || text.contains("terminating connection due to administrator command"), text);
        }
        assertEquals(ACCOUNTS * 1000, total());
    }

    private static boolean pgbenchInstalled() {
        try {
            return new ProcessBuilder("pgbench", "--version").start().waitFor(10, TimeUnit.SECONDS);
        } catch (java.io.IOException | InterruptedException e) {
            return false;
        }
    }

    private static Connection console(Pgwarden pgwarden) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "ops");
        props.setProperty("password", TestPlatform.PASSWORDS.get("ops"));
        props.setProperty("preferQueryMode", "simple");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgwarden.port() + "/pgwarden", props);
    }

    private static boolean refusesNewConnections(Pgwarden pgwarden) {
        try (Connection c = connect(pgwarden, "orders")) {
            return false;
        } catch (SQLException e) {
            return true;
        }
    }

    @Test
    void shutdownWaitForClientsLetsEveryClientFinishAndLeaveByItself() throws Exception {
        Pgwarden pgwarden = start(Duration.ofSeconds(5), Duration.ofSeconds(10));
        try (Connection client = connect(pgwarden, "orders"); Connection ops = console(pgwarden)) {
            ops.createStatement().execute("SHUTDOWN WAIT_FOR_CLIENTS");
            Eventually.await("new connections refused", () -> refusesNewConnections(pgwarden), refused -> refused);
            try (Statement st = client.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
                assertTrue(rs.next(), "a connected client is served as before, between transactions too");
            }
            assertTrue(pgwarden.pool("orders").clients().size() == 1, "and it is not asked to leave");
        }
        assertTrue(awaitClosed(pgwarden, Duration.ofSeconds(30)), "pgwarden exited once its last client left");
    }

    @Test
    void shutdownWaitForServersLetsTheTransactionInFlightFinishThenExits() throws Exception {
        resetAccounts();
        Pgwarden pgwarden = start(Duration.ofSeconds(5), Duration.ofSeconds(10));
        try (Connection client = connect(pgwarden, "orders_tx"); Connection ops = console(pgwarden)) {
            client.setAutoCommit(false);
            Statement st = client.createStatement();
            st.executeUpdate("UPDATE drain_accounts SET balance = balance - 5 WHERE id = 1");
            ops.createStatement().execute("SHUTDOWN WAIT_FOR_SERVERS");
            Eventually.await("new connections refused", () -> refusesNewConnections(pgwarden), refused -> refused);
            st.executeUpdate("UPDATE drain_accounts SET balance = balance + 5 WHERE id = 2");
            client.commit();
            assertTrue(awaitClosed(pgwarden, Duration.ofSeconds(30)), "pgwarden exited once its server came back");
        } finally {
            pgwarden.close();
        }
        assertEquals(ACCOUNTS * 1000, total());
        try (Connection c = platform.connect("orders-service", "orders"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT balance FROM drain_accounts WHERE id = 2")) {
            rs.next();
            assertEquals(1005, rs.getInt(1), "the transaction committed");
        }
    }
}
