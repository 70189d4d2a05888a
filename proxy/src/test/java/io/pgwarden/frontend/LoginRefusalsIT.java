package io.pgwarden.frontend;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a refused login tells the client: the database it asked for, never pgwarden's role or the backend's words. */
@WithPlatform
class LoginRefusalsIT {

    private static TestPlatform platform;

    @Test
    void aBackendThatRefusesPgwardensLoginIsReportedAsTheDatabaseUnavailable() throws Exception {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger pgwardenLogger = (Logger) LoggerFactory.getLogger("io.pgwarden");
        pgwardenLogger.addAppender(log);
        try (Connection admin = platform.admin(); Statement st = admin.createStatement()) {
            st.execute("ALTER ROLE plain_owner PASSWORD 'not-what-pgwarden-has'");
            try {
                SQLException e = assertThrows(SQLException.class, () -> platform.connect("md5-service", "plain").close());
                assertEquals("08006", e.getSQLState(), e.getMessage());
                assertTrue(e.getMessage().contains("database \"plain\" is unavailable"), e.getMessage());
                assertFalse(e.getMessage().contains("plain_owner"), "the backend role stays secret: " + e.getMessage());
                assertFalse(e.getMessage().contains("password authentication failed"), "nor the backend's words: " + e.getMessage());
            } finally {
                st.execute("ALTER ROLE plain_owner PASSWORD 'plain-db-pw'");
            }
        } finally {
            pgwardenLogger.detachAppender(log);
        }
        assertTrue(log.list.stream().anyMatch(event -> event.getFormattedMessage().contains("\"plain\"")
                        && event.getFormattedMessage().contains("password authentication failed for user \"plain_owner\"")),
                "the backend's reason is in pgwarden's log");
        try (Connection c = platform.connect("md5-service", "plain")) {
            assertTrue(c.isValid(5), "and the database serves again once the password is right");
        }
    }

    @Test
    void theAdminDatabaseIsRefusedLikeAnyDatabaseNotGranted() {
        SQLException admin = assertThrows(SQLException.class, () -> platform.connect("orders-service", "pgwarden").close());
        SQLException unknown = assertThrows(SQLException.class, () -> platform.connect("orders-service", "secret_db").close());
        assertEquals(unknown.getSQLState(), admin.getSQLState());
        assertEquals(unknown.getMessage().replace("secret_db", "X"), admin.getMessage().replace("pgwarden", "X"));
        assertFalse(admin.getMessage().contains("admin_services"), admin.getMessage());
    }
}
