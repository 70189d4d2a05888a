package io.pgwarden.frontend;

import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** query_timeout, idle_transaction_timeout and client_idle_timeout in transaction mode. */
@WithPlatform({"TX_QUERY_TIMEOUT=1s", "TX_IDLE_TRANSACTION_TIMEOUT=1500ms", "TX_CLIENT_IDLE_TIMEOUT=2500ms"})
class TransactionTimeoutsIT {

    private static TestPlatform platform;

    @BeforeAll
    static void start() throws Exception {
        try (Connection c = platform.connect("orders-service", "orders"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS idle_tx (note text)");
        }
    }

    private static Connection tx() throws SQLException {
        return platform.connect("orders-service", "orders_tx");
    }

    @Test
    void aQueryRunningPastQueryTimeoutIsCancelledWith57014() throws SQLException {
        try (Connection c = tx(); Statement st = c.createStatement()) {
            long start = System.nanoTime();
            SQLException e = assertThrows(SQLException.class, () -> st.execute("SELECT pg_sleep(10)"));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals("57014", e.getSQLState());
            assertTrue(millis >= 900 && millis < 4000, "cancelled after " + millis + " ms");
            try (ResultSet rs = st.executeQuery("SELECT 1")) {
                assertTrue(rs.next(), "the client goes on");
            }
        }
    }

    @Test
    void aClientIdleInsideATransactionIsDisconnectedAndRolledBack() throws Exception {
        try (Connection c = tx(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("INSERT INTO idle_tx VALUES ('abandoned')");
            Thread.sleep(2200);
            SQLException e = assertThrows(SQLException.class, () -> st.execute("SELECT 1"));
            assertTrue(e.getSQLState().equals("25P03") || e.getSQLState().startsWith("08"), e.getSQLState() + " " + e.getMessage());
        }
        try (Connection c = tx(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM idle_tx")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "rolled back");
        }
    }

    @Test
    void anIdleClientIsDisconnectedAfterClientIdleTimeoutButABusyOneIsNot() throws Exception {
        try (Connection busy = tx(); Statement bs = busy.createStatement(); Connection idle = tx(); Statement is = idle.createStatement()) {
            for (int i = 0; i < 8; i++) {
                Thread.sleep(400);
                bs.execute("SELECT 1");
            }
            SQLException e = assertThrows(SQLException.class, () -> is.execute("SELECT 1"));
            assertTrue(e.getSQLState().equals("57P05") || e.getSQLState().startsWith("08"), e.getSQLState() + " " + e.getMessage());
            bs.execute("SELECT 1");
        }
    }
}
