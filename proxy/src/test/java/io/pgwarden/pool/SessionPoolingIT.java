package io.pgwarden.pool;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.pgwarden.Eventually;
import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session pooling: server connections are reused across clients, never carry one client's state to
 * the next, and clients beyond the pool wait in line for a bounded time. Here orders has pool_size 2
 * and users pool_size 1, and clients wait at most 1 s.
 */
@WithPlatform({"POOL_SIZE=2", "QUERY_WAIT_TIMEOUT=1s"})
class SessionPoolingIT {

    private static TestPlatform platform;

    @Test
    void twentySequentialClientsShareAtMostPoolSizeServerConnections() throws SQLException {
        Set<Integer> pids = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            try (Connection c = platform.connect("orders-service", "orders"); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pids.add(rs.getInt(1));
            }
        }
        assertTrue(pids.size() <= 2, "server connections used: " + pids);
        assertTrue(platform.backendConnections("orders_db") <= 2);
    }

    @Test
    void oneClientsSessionStateNeverReachesTheNext() throws SQLException {
        int firstPid;
        try (Connection c = platform.connect("users-service", "users"); Statement st = c.createStatement()) {
            firstPid = c.unwrap(PGConnection.class).getBackendPID();
            st.execute("SET work_mem = '99MB'");
            st.execute("SET application_name = 'leaky'");
            st.execute("CREATE TEMP TABLE scratch (id int)");
            st.execute("PREPARE leaked AS SELECT 1");
            st.execute("SELECT pg_advisory_lock(4242)");
            st.execute("LISTEN leaked_channel");
        }
        try (Connection c = platform.connect("users-service", "users"); Statement st = c.createStatement()) {
            assertEquals(firstPid, c.unwrap(PGConnection.class).getBackendPID(), "users has pool_size 1: same server");
            assertEquals("4MB", single(st, "SHOW work_mem"));
            assertEquals("PostgreSQL JDBC Driver", single(st, "SHOW application_name"), "its own startup value, not the last client's");
            assertEquals(null, single(st, "SELECT to_regclass('pg_temp.scratch')::text"));
            assertEquals("0", single(st, "SELECT count(*) FROM pg_prepared_statements"));
            assertEquals("0", single(st, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"));
            assertEquals("0", single(st, "SELECT count(*) FROM pg_listening_channels()"));
        }
    }

    @Test
    void aClientBeyondThePoolWaitsThenGets53300NamingTheDatabaseAndLimit() throws SQLException {
        try (Connection a = platform.connect("orders-service", "orders"); Connection b = platform.connect("orders-service", "orders")) {
            long start = System.nanoTime();
            SQLException e = assertThrows(SQLException.class, () -> platform.connect("orders-service", "orders").close());
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals("53300", e.getSQLState());
            assertTrue(e.getMessage().contains("\"orders\"") && e.getMessage().contains("2"), e.getMessage());
            assertTrue(waitedMillis >= 900 && waitedMillis < 5000, "waited " + waitedMillis + " ms");
        }
    }

    /* Fails if the third client is let past pool_size (never counted in cl_waiting, or done before a is closed). */
    @Test
    void aWaitingClientGetsTheNextServerGivenBack() throws Exception {
        Connection a = platform.connect("orders-service", "orders");
        try (Connection b = platform.connect("orders-service", "orders");
             Connection console = platform.console(); Statement admin = console.createStatement()) {
            CompletableFuture<Integer> waiting = CompletableFuture.supplyAsync(() -> {
                try (Connection c = platform.connect("orders-service", "orders"); Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT 7")) {
                    rs.next();
                    return rs.getInt(1);
                } catch (SQLException e) {
                    throw new RuntimeException(e);
                }
            });
            Eventually.await("the third client to wait in SHOW POOLS",
                    () -> TestPlatform.poolCount(admin, "orders", "cl_waiting") == 1);
            assertFalse(waiting.isDone(), "the third client waits");
            a.close();
            assertEquals(7, waiting.get(5, TimeUnit.SECONDS));
        } finally {
            a.close();
        }
    }

    @Test
    void aClientThatVanishesMidTransactionLeavesNothingBehind() throws Exception {
        try (Connection c = platform.connect("users-service", "users"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS ledger (note text)");
            st.execute("TRUNCATE ledger");
        }
        Connection vanishing = platform.connect("users-service", "users");
        vanishing.setAutoCommit(false);
        try (Statement st = vanishing.createStatement()) {
            st.execute("INSERT INTO ledger VALUES ('never committed')");
        }
        ExecutorService executor = Executors.newSingleThreadExecutor();
        vanishing.abort(executor); // drops the socket: no Terminate, no rollback from the client
        executor.shutdown();
        try (Connection c = platform.connect("users-service", "users"); Statement st = c.createStatement()) {
            assertEquals("0", single(st, "SELECT count(*) FROM ledger"));
            assertEquals("0", single(st, "SELECT count(*) FROM pg_locks l JOIN pg_class r ON r.oid = l.relation "
                    + "WHERE r.relname = 'ledger' AND l.pid <> pg_backend_pid()"));
        }
    }

    /*
     * users has one server connection, and the vanished client's 60 s sleep runs on it. Fails if the
     * sleep never reached PostgreSQL (awaitRunning), or if the next client waits for the sleep to end
     * (5 s bound, the sleep is 60 s). Not checked: today pgwarden closes that server without a cancel,
     * and PostgreSQL, which does not notice a closed socket while it sleeps, runs the sleep to its end.
     */
    @Test
    void aClientThatVanishesMidQueryDoesNotBlockTheNext() throws Exception {
        String sleep = "SELECT pg_sleep(60) /* vanishing client */";
        Connection vanishing = platform.connect("users-service", "users");
        CompletableFuture.runAsync(() -> {
            try (Statement st = vanishing.createStatement()) {
                st.execute(sleep);
            } catch (SQLException expected) {
                // the socket is dropped under it
            }
        });
        platform.awaitRunning(sleep);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        vanishing.abort(executor);
        executor.shutdown();
        long start = System.nanoTime();
        try (Connection c = platform.connect("users-service", "users"); Statement st = c.createStatement()) {
            assertEquals("1", single(st, "SELECT 1"));
        }
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "the next client did not wait for pg_sleep");
    }

    @Test
    void hikariCpWorksThroughPgwarden() throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(platform.jdbcUrl("payments"));
        config.setUsername("payments-service");
        config.setPassword(TestPlatform.PASSWORDS.get("payments-service"));
        config.setMaximumPoolSize(5);
        config.setMinimumIdle(5);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            ExecutorService executor = Executors.newFixedThreadPool(8);
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                int n = i;
                results.add(executor.submit(() -> {
                    try (Connection c = pool.getConnection(); Statement st = c.createStatement();
                         ResultSet rs = st.executeQuery("SELECT " + n + " + 1")) {
                        rs.next();
                        return rs.getInt(1);
                    }
                }));
            }
            for (int i = 0; i < results.size(); i++) {
                assertEquals(i + 1, results.get(i).get(30, TimeUnit.SECONDS));
            }
            executor.shutdown();
            assertTrue(platform.backendConnections("payments_db") <= 5);
        }
    }

    static String single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
