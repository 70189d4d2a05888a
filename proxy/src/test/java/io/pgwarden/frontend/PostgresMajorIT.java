package io.pgwarden.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * What a client sees differ between a PostgreSQL 16 and a 17 backend (the README's "Supported
 * PostgreSQL versions"). Runs in both failsafe executions: against 17, and against 16.
 */
@WithPlatform
class PostgresMajorIT {

    static TestPlatform platform;

    @Test
    void theClientSeesTheBackendsOwnVersion() throws SQLException {
        try (Connection connection = platform.connect("orders-service", "orders");
             Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')::int / 10000")) {
            rs.next();
            assertEquals(TestPlatform.postgresMajor(), rs.getInt(1));
            assertEquals(TestPlatform.postgresMajor(), connection.getMetaData().getDatabaseMajorVersion(),
                    "the server_version ParameterStatus is the backend's");
        }
    }

    /** transaction_timeout is new in 17: on 16 the login ends with PostgreSQL's own error, as for any unknown setting. */
    @Test
    void transactionTimeoutInTheStartupPacketIsPostgres17s() throws SQLException {
        Properties options = new Properties();
        options.setProperty("options", "-c transaction_timeout=5s");
        if (TestPlatform.postgresMajor() >= 17) {
            try (Connection connection = platform.connect("orders-service", TestPlatform.PASSWORDS.get("orders-service"),
                    "orders", options);
                 Statement st = connection.createStatement();
                 ResultSet rs = st.executeQuery("SHOW transaction_timeout")) {
                rs.next();
                assertEquals("5s", rs.getString(1));
            }
        } else {
            SQLException refused = assertThrows(SQLException.class, () -> platform.connect("orders-service",
                    TestPlatform.PASSWORDS.get("orders-service"), "orders", options).close());
            assertEquals("42704", refused.getSQLState(), refused.getMessage());
            assertTrue(refused.getMessage().contains("unrecognized configuration parameter \"transaction_timeout\""),
                    refused.getMessage());
        }
    }
}
