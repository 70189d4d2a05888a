package io.pgwarden.frontend;

import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each service reaches only the databases it is granted, and proves who it is first. */
@WithPlatform
class ServiceIsolationIT {

    private static TestPlatform platform;

    /** Every service × every database, granted or not. */
    static Stream<Arguments> servicesAndDatabases() {
        List<String> databases = List.of("orders", "payments", "users", "legacy", "plain", "trusted", "no_such_db");
        return TestPlatform.PASSWORDS.keySet().stream().sorted()
                .flatMap(service -> databases.stream().map(db -> Arguments.of(service, db)));
    }

    @ParameterizedTest(name = "{0} → {1}")
    @MethodSource("servicesAndDatabases")
    void aServiceOpensOnlyTheDatabasesItIsGranted(String service, String database) throws SQLException {
        boolean granted = platform.config().service(service).orElseThrow().isGranted(database);
        if (granted) {
            try (Connection c = platform.connect(service, database); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT current_database()")) {
                rs.next();
                assertEquals(platform.config().database(database).orElseThrow().dbname(), rs.getString(1));
            }
        } else {
            String dbname = platform.config().database(database).map(d -> d.dbname()).orElse(database);
            int before = platform.backendConnections(dbname);
            SQLException e = assertThrows(SQLException.class, () -> platform.connect(service, database).close());
            assertEquals("42501", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("permission denied for database \"" + database + "\""), e.getMessage());
            assertEquals(before, platform.backendConnections(dbname), "no backend connection was opened for a denied service");
        }
    }

    @Test
    void anUnknownDatabaseAndAnUngrantedOneGetTheSameAnswer() {
        SQLException unknown = assertThrows(SQLException.class, () -> platform.connect("orders-service", "secret_db").close());
        SQLException ungranted = assertThrows(SQLException.class, () -> platform.connect("orders-service", "payments").close());
        assertEquals(unknown.getSQLState(), ungranted.getSQLState());
        assertEquals(unknown.getMessage().replace("secret_db", "X"), ungranted.getMessage().replace("payments", "X"));
    }

    @Test
    void aWrongPasswordIsRefusedWith28P01() {
        SQLException e = assertThrows(SQLException.class,
                () -> platform.connect("orders-service", "not-the-password", "orders", new Properties()).close());
        assertEquals("28P01", e.getSQLState());
        assertTrue(e.getMessage().contains("password authentication failed for user \"orders-service\""), e.getMessage());
    }

    @Test
    void anUnknownServiceGetsTheSameAnswerAsAWrongPassword() {
        SQLException e = assertThrows(SQLException.class,
                () -> platform.connect("intruder", "whatever", "orders", new Properties()).close());
        assertEquals("28P01", e.getSQLState());
        assertTrue(e.getMessage().contains("password authentication failed for user \"intruder\""), e.getMessage());
    }

    @Test
    void anMd5ServiceWithAWrongPasswordIsRefused() {
        SQLException e = assertThrows(SQLException.class,
                () -> platform.connect("md5-service", "wrong", "orders", new Properties()).close());
        assertEquals("28P01", e.getSQLState());
    }

    @Test
    void aDeniedServiceCannotProbeWithAWrongPasswordEither() throws SQLException {
        int before = platform.backendConnections("payments_db");
        SQLException e = assertThrows(SQLException.class,
                () -> platform.connect("orders-service", "wrong", "payments", new Properties()).close());
        assertEquals("28P01", e.getSQLState(), "authentication is checked before the grant");
        assertEquals(before, platform.backendConnections("payments_db"));
    }
}
