package io.pgwarden.frontend;

import io.pgwarden.Eventually;
import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code pinning: off}: today's transaction mode, with its documented limits: nothing pins, LISTEN is refused. */
@WithPlatform({"TX_PINNING=off"})
class PinningOffIT {

    private static TestPlatform platform;

    private static Connection tx() throws SQLException {
        return platform.connect("orders-service", "orders_tx");
    }

    private static String single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getString(1);
        }
    }

    @Test
    void listenIsRefusedClearly() throws SQLException {
        try (Connection c = tx(); Statement st = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> st.execute("LISTEN orders_channel"));
            assertEquals("0A000", e.getSQLState());
            assertTrue(e.getMessage().contains("LISTEN is not supported in transaction pooling mode"), e.getMessage());
            assertEquals("1", single(st, "SELECT 1"), "the session goes on");
        }
    }

    @Test
    void sessionStateDoesNotPinAndTheServerIsSharedBetweenTransactions() throws Exception {
        try (Connection c = tx(); Statement st = c.createStatement(); Connection console = platform.console();
             Statement admin = console.createStatement()) {
            st.execute("SET statement_timeout = '5s'");
            st.execute("CREATE TEMP TABLE not_pinned (id int)");
            Eventually.await("the server to be given back between transactions",
                    () -> TestPlatform.poolCount(admin, "orders_tx", "sv_active") == 0);
            try (ResultSet rs = admin.executeQuery("SHOW CLIENTS")) {
                while (rs.next()) {
                    assertEquals(0, rs.getInt("pinned"), rs.getString("pin_reasons"));
                }
            }
        }
    }
}
