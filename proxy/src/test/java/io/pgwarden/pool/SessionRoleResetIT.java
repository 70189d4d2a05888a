package io.pgwarden.pool;

import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Session mode with a reset_query that leaves the role alone: a client that SET ROLE and left must
 * not hand the next client of its server another current_user. (DISCARD ALL, the default, resets
 * it anyway; here it is replaced.)
 */
@WithPlatform("RESET_QUERY=SELECT 1")
class SessionRoleResetIT {

    private static TestPlatform platform;

    @Test
    void aRoleSetByOneSessionIsGoneForTheNextClientOfItsServer() throws Exception {
        for (String change : List.of("SET ROLE pg_database_owner", "SELECT set_config('role', 'pg_database_owner', false)")) {
            try (Connection sneaky = platform.connect("orders-service", "orders"); Statement st = sneaky.createStatement()) {
                st.execute(change);
                assertEquals("pg_database_owner", currentUser(st), "took effect: " + change);
            }
            List<Connection> next = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) { // the whole pool: one of them gets the sneaky one's server
                    Connection c = platform.connect("orders-service", "orders");
                    next.add(c);
                    try (Statement st = c.createStatement()) {
                        assertEquals("orders_owner", currentUser(st), "after " + change);
                    }
                }
            } finally {
                for (Connection c : next) {
                    c.close();
                }
            }
        }
    }

    private static String currentUser(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("select current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
