package io.pgwarden.frontend;

import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.copy.CopyManager;

import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** In session mode a service works through pgwarden exactly as if connected to PostgreSQL directly. */
@WithPlatform
class SessionForwardingIT {

    private static TestPlatform platform;

    private static Connection orders() throws SQLException {
        return platform.connect("orders-service", "orders");
    }

    @Test
    void queriesTransactionsAndErrorsBehaveAsOnPostgres() throws SQLException {
        try (Connection c = orders(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, name text)");
            st.execute("TRUNCATE items");
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO items VALUES (?, ?)")) {
                for (int i = 0; i < 10; i++) { // beyond prepareThreshold: server-side prepared statements
                    ps.setInt(1, i);
                    ps.setString(2, "item " + i);
                    ps.executeUpdate();
                }
            }
            c.rollback();
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM items")) {
                rs.next();
                assertEquals(0, rs.getInt(1));
            }
            st.execute("INSERT INTO items VALUES (1, 'one')");
            c.commit();
            SQLException duplicate = assertThrows(SQLException.class, () -> st.execute("INSERT INTO items VALUES (1, 'again')"));
            assertEquals("23505", duplicate.getSQLState());
            SQLException aborted = assertThrows(SQLException.class, () -> st.execute("SELECT 1"));
            assertEquals("25P02", aborted.getSQLState());
            c.rollback();
            c.setAutoCommit(true);
            SQLException syntax = assertThrows(SQLException.class, () -> st.execute("SELEC 1"));
            assertEquals("42601", syntax.getSQLState());
            try (ResultSet rs = st.executeQuery("SELECT name FROM items WHERE id = 1")) {
                assertTrue(rs.next());
                assertEquals("one", rs.getString(1));
            }
        }
    }

    @Test
    void noticesReachTheClient() throws SQLException {
        try (Connection c = orders(); Statement st = c.createStatement()) {
            st.execute("DO $$ BEGIN RAISE NOTICE 'hello from the server'; END $$");
            SQLWarning warning = st.getWarnings();
            assertNotNull(warning);
            assertEquals("hello from the server", warning.getMessage());
        }
    }

    @Test
    void copyInAndOutWork() throws Exception {
        try (Connection c = orders(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS copied (id int, note text)");
            st.execute("TRUNCATE copied");
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            StringBuilder rows = new StringBuilder();
            for (int i = 0; i < 50_000; i++) {
                rows.append(i).append('\t').append("note ").append(i).append('\n');
            }
            long in = copy.copyIn("COPY copied FROM STDIN", new StringReader(rows.toString()));
            assertEquals(50_000, in);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long outRows = copy.copyOut("COPY (SELECT * FROM copied ORDER BY id) TO STDOUT", out);
            assertEquals(50_000, outRows);
            assertEquals(rows.toString(), out.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void listenNotifyWorksInSessionMode() throws Exception {
        try (Connection listener = orders(); Connection notifier = orders(); Statement ls = listener.createStatement();
             Statement ns = notifier.createStatement()) {
            ls.execute("LISTEN order_events");
            ns.execute("NOTIFY order_events, 'order 42 shipped'");
            PGNotification[] notifications = listener.unwrap(PGConnection.class).getNotifications(5000);
            assertNotNull(notifications);
            assertEquals(1, notifications.length);
            assertEquals("order_events", notifications[0].getName());
            assertEquals("order 42 shipped", notifications[0].getParameter());
        }
    }

    @Test
    void largeResultsArriveWhole() throws SQLException {
        try (Connection c = orders(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT i, repeat('x', 1000) FROM generate_series(1, 200000) i")) {
            long rows = 0;
            long sum = 0;
            while (rs.next()) {
                rows++;
                sum += rs.getInt(1);
                if (rs.getString(2).length() != 1000) {
                    throw new AssertionError("row " + rows + " was cut");
                }
            }
            assertEquals(200_000, rows);
            assertEquals(200_000L * 200_001 / 2, sum);
        }
        try (Connection c = orders(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT repeat('y', 50 * 1024 * 1024)")) {
            rs.next();
            assertEquals(50 * 1024 * 1024, rs.getString(1).length(), "one 50 MiB value");
        }
    }

    @Test
    void startupSettingsAreHonouredOnTheServerConnection() throws SQLException {
        Properties props = new Properties();
        props.setProperty("ApplicationName", "billing");
        props.setProperty("options", "-c statement_timeout=4321 -c search_path=audit,public --work-mem=7MB");
        props.setProperty("assumeMinServerVersion", "9.0"); // sends DateStyle, TimeZone and friends at startup
        try (Connection c = platform.connect("orders-service", "orders-pw", "orders", props); Statement st = c.createStatement()) {
            assertEquals("4321ms", show(st, "statement_timeout"));
            assertEquals("audit,public", show(st, "search_path"));
            assertEquals("7MB", show(st, "work_mem"));
            assertEquals("billing", show(st, "application_name"));
            try (ResultSet rs = st.executeQuery("SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()")) {
                rs.next();
                assertEquals("billing", rs.getString(1), "pg_stat_activity shows the client's application_name");
            }
        }
    }

    @Test
    void anInvalidStartupSettingIsRefusedLikePostgresDoes() {
        Properties props = new Properties();
        props.setProperty("options", "-c no_such_setting_at_all=1");
        SQLException e = assertThrows(SQLException.class,
                () -> platform.connect("orders-service", "orders-pw", "orders", props).close());
        assertEquals("42704", e.getSQLState(), e.getMessage());
    }

    @Test
    void theBackendPidTheDriverKnowsIsTheRealOne() throws SQLException {
        try (Connection c = orders(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            assertEquals(c.unwrap(PGConnection.class).getBackendPID(), rs.getInt(1));
        }
    }

    @Test
    void statementCancelReachesTheRunningQuery() throws Exception {
        try (Connection c = orders(); Statement st = c.createStatement()) {
            SQLException e = platform.cancelledSleep(st);
            assertNotNull(e, "the query was cancelled");
            assertEquals("57014", e.getSQLState());
            try (ResultSet rs = st.executeQuery("SELECT 1")) {
                assertTrue(rs.next(), "the session goes on after a cancel");
            }
        }
    }

    @Test
    void queryTimeoutGives57014() throws SQLException {
        try (Connection c = orders(); Statement st = c.createStatement()) {
            st.setQueryTimeout(1);
            long start = System.nanoTime();
            SQLException e = assertThrows(SQLException.class, () -> st.execute("SELECT pg_sleep(20)"));
            assertEquals("57014", e.getSQLState());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10));
        }
    }

    @Test
    void aTerminatedBackendEndsTheClientSessionCleanly() throws SQLException {
        try (Connection c = orders(); Connection admin = platform.admin(); Statement ast = admin.createStatement()) {
            int pid = c.unwrap(PGConnection.class).getBackendPID();
            ast.execute("SELECT pg_terminate_backend(" + pid + ")");
            SQLException e = assertThrows(SQLException.class, () -> {
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT 1");
                }
            });
            assertTrue(e.getSQLState().startsWith("57P01") || e.getSQLState().startsWith("08"), e.getSQLState());
        }
        try (Connection c = orders(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
            assertTrue(rs.next(), "a new client gets a healthy server");
        }
    }

    private static String show(Statement st, String setting) throws SQLException {
        try (ResultSet rs = st.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
