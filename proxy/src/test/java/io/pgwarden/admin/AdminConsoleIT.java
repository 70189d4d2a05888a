package io.pgwarden.admin;

import io.pgwarden.Eventually;
import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin console against the running proxy: what it shows, and PAUSE, RESUME and KILL. */
@WithPlatform
class AdminConsoleIT {

    private static TestPlatform platform;

    private static Connection console() throws SQLException {
        return platform.console();
    }

    private static Map<String, String> poolRow(Statement console, String database) throws SQLException {
        return TestPlatform.poolRow(console, database);
    }

    /** SHOW DATABASES's paused flag: 1 from the moment PAUSE (or KILL) is taken, before it completes. */
    private static boolean paused(Statement console, String database) throws SQLException {
        try (ResultSet rs = console.executeQuery("SHOW DATABASES")) {
            while (rs.next()) {
                if (database.equals(rs.getString("name"))) {
                    return rs.getInt("paused") == 1;
                }
            }
        }
        throw new AssertionError("no SHOW DATABASES row for " + database);
    }

    @Test
    void showPoolsHasPgBouncersColumnsAndCountsAHeldTransaction() throws SQLException {
        try (Connection console = console(); Statement st = console.createStatement();
             Connection client = platform.connect("payments-service", "payments")) {
            client.setAutoCommit(false);
            client.createStatement().execute("SELECT 1");
            try (ResultSet rs = st.executeQuery("SHOW POOLS")) {
                List<String> columns = new ArrayList<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    columns.add(rs.getMetaData().getColumnName(i));
                }
                assertEquals(List.of("database", "user", "cl_active", "cl_waiting"), columns.subList(0, 4));
                assertTrue(columns.containsAll(List.of("sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login",
                        "maxwait", "maxwait_us", "pool_mode")), columns.toString());
            }
            Map<String, String> payments = poolRow(st, "payments");
            assertEquals("1", payments.get("cl_active"));
            assertEquals("1", payments.get("sv_active"));
            assertEquals("session", payments.get("pool_mode"));
            client.rollback();
        }
    }

    @Test
    void anotherServiceCannotOpenTheConsole() {
        Properties props = new Properties();
        props.setProperty("preferQueryMode", "simple");
        SQLException e = assertThrows(SQLException.class,
                () -> platform.connect("orders-service", "orders-pw", "pgwarden", props).close());
        assertEquals("42501", e.getSQLState());
    }

    /*
     * Fails if PAUSE answers while a client still holds a server (assertFalse after "paused" is
     * seen), if a paused database lets a new client in (it would not show in cl_waiting, or the
     * newcomer would finish before RESUME), or if RESUME does not let it go on.
     */
    @Test
    void pauseWaitsForTheSessionToEndHoldsNewClientsAndResumeLetsThemIn() throws Exception {
        try (Connection console = console(); Statement st = console.createStatement()) {
            Connection held = platform.connect("users-service", "users"); // users: pool_size 1
            held.createStatement().execute("SELECT 1");
            CompletableFuture<Void> pause = CompletableFuture.runAsync(() -> {
                try (Connection other = console(); Statement ost = other.createStatement()) {
                    ost.execute("PAUSE users");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            Eventually.await("PAUSE users to be taken", () -> paused(st, "users"));
            assertEquals("1", poolRow(st, "users").get("sv_active"), "the held session still has its server");
            assertFalse(pause.isDone(), "PAUSE waits while a client holds a server");
            held.close();
            pause.get(10, TimeUnit.SECONDS);

            CompletableFuture<String> newcomer = CompletableFuture.supplyAsync(() -> {
                try (Connection c = platform.connect("users-service", "users"); Statement cs = c.createStatement();
                     ResultSet rs = cs.executeQuery("SELECT 'in'")) {
                    rs.next();
                    return rs.getString(1);
                } catch (SQLException e) {
                    return e.getSQLState();
                }
            });
            Eventually.await("the newcomer to wait in SHOW POOLS", () -> poolRow(st, "users"),
                    row -> row.get("cl_waiting").equals("1"));
            assertFalse(newcomer.isDone(), "a new client is held while paused");
            st.execute("RESUME users");
            assertEquals("in", newcomer.get(10, TimeUnit.SECONDS));
        }
    }

    /*
     * Fails if KILL leaves the victim's connection working, or lets a new client in before RESUME
     * (the newcomer would never be counted in cl_waiting, or would be done before RESUME).
     */
    @Test
    void killEndsTheClientsOfADatabase() throws Exception {
        try (Connection console = console(); Statement st = console.createStatement();
             Connection victim = platform.connect("orders-service", "orders")) {
            victim.createStatement().execute("SELECT 1");
            st.execute("KILL orders");
            Eventually.await("the killed client to be gone from SHOW POOLS", () -> poolRow(st, "orders"),
                    row -> row.get("cl_active").equals("0") && row.get("sv_active").equals("0"));
            SQLException e = assertThrows(SQLException.class, () -> victim.createStatement().execute("SELECT 1"));
            assertTrue(e.getSQLState().equals("57P01") || e.getSQLState().startsWith("08"), e.getSQLState());
            CompletableFuture<Boolean> newcomer = CompletableFuture.supplyAsync(() -> {
                try (Connection c = platform.connect("orders-service", "orders")) {
                    return c.isValid(5);
                } catch (SQLException ex) {
                    return false;
                }
            });
            Eventually.await("the newcomer to wait in SHOW POOLS", () -> poolRow(st, "orders"),
                    row -> row.get("cl_waiting").equals("1"));
            assertFalse(newcomer.isDone(), "after KILL new clients wait for RESUME, as in PgBouncer");
            st.execute("RESUME orders");
            assertTrue(newcomer.get(10, TimeUnit.SECONDS), "the database works again after RESUME");
        }
    }

    private static Connection tx() throws SQLException {
        return platform.connect("orders-service", "orders_tx"); // transaction mode, pool_size 5
    }

    private static int backendPid(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static CompletableFuture<Integer> pidAsync(Connection c) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return backendPid(c);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /*
     * Transaction mode. Fails if PAUSE answers while a transaction is open, if a query of a connected
     * client (or of the one whose transaction just ended) runs while paused (it must be counted in
     * cl_waiting and not be done, also after PAUSE answered), or if RESUME does not let both go on.
     */
    @Test
    void pauseInTransactionModeWaitsForTheOpenTransactionThenHoldsEveryNewQueryUntilResume() throws Exception {
        try (Connection console = console(); Statement st = console.createStatement();
             Connection inTransaction = tx(); Connection between = tx()) {
            backendPid(between); // connected, between transactions: holds no server
            inTransaction.setAutoCommit(false);
            backendPid(inTransaction);
            CompletableFuture<Void> pause = CompletableFuture.runAsync(() -> {
                try (Connection other = console(); Statement ost = other.createStatement()) {
                    ost.execute("PAUSE orders_tx");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                Eventually.await("PAUSE orders_tx to be taken", () -> paused(st, "orders_tx"));
                assertEquals("1", poolRow(st, "orders_tx").get("sv_active"), "the open transaction holds its server");
                assertFalse(pause.isDone(), "PAUSE waits for the open transaction");

                CompletableFuture<Integer> held = pidAsync(between);
                Eventually.await("the new query to wait in SHOW POOLS", () -> poolRow(st, "orders_tx"),
                        row -> row.get("cl_waiting").equals("1"));
                assertFalse(held.isDone(), "a new transaction waits while paused");

                inTransaction.commit();
                pause.get(10, TimeUnit.SECONDS);
                assertEquals("0", poolRow(st, "orders_tx").get("sv_active"), "PAUSE answered with no server in use");
                CompletableFuture<Integer> next = pidAsync(inTransaction); // its next transaction waits too
                Eventually.await("both queries to wait in SHOW POOLS", () -> poolRow(st, "orders_tx"),
                        row -> row.get("cl_waiting").equals("2"));
                assertFalse(held.isDone() || next.isDone(), "nothing runs while paused");
                st.execute("RESUME orders_tx");
                assertFalse(paused(st, "orders_tx"));
                assertTrue(held.get(10, TimeUnit.SECONDS) > 0);
                assertTrue(next.get(10, TimeUnit.SECONDS) > 0);
                inTransaction.commit();
            } finally {
                if (paused(st, "orders_tx")) {
                    st.execute("RESUME orders_tx");
                }
            }
        }
    }

    /*
     * Transaction mode, three servers in use, one of them in an open transaction. Fails if RECONNECT
     * breaks the open transaction (its server must stay until the transaction ends), if an old server
     * is still open in PostgreSQL once it was returned, or if a later transaction runs on an old one.
     */
    @Test
    void reconnectInTransactionModeReplacesEachServerOnceItIsReturnedAndClientsKeepWorking() throws Exception {
        try (Connection console = console(); Statement st = console.createStatement();
             Connection a = tx(); Connection b = tx(); Connection c = tx()) {
            List<Connection> clients = List.of(a, b, c);
            Set<Integer> old = new HashSet<>();
            for (Connection client : clients) { // three transactions at once: three servers
                client.setAutoCommit(false);
                old.add(backendPid(client));
            }
            assertEquals(3, old.size());
            b.commit();
            c.commit(); // two servers idle in the pool, a's still in its transaction
            int inTransaction = backendPid(a);

            st.execute("RECONNECT orders_tx");
            assertEquals(inTransaction, backendPid(a), "the open transaction keeps its server");
            a.commit();

            Eventually.await("every old server to be closed in PostgreSQL", () -> platform.backendPids("orders_db"),
                    pids -> pids.stream().noneMatch(old::contains));
            for (Connection client : clients) {
                int pid = backendPid(client);
                assertFalse(old.contains(pid), "a transaction after RECONNECT ran on old server " + pid);
                client.commit();
            }
        }
    }
}
