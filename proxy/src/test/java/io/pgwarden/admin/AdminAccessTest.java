package io.pgwarden.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.metrics.MetricsFixtures;
import io.pgwarden.protocol.backend.ErrorResponse;
import org.junit.jupiter.api.Test;

class AdminAccessTest {

    private final PgwardenConfig config = MetricsFixtures.config();

    @Test
    void onlyAdminServicesMayOpenTheConsole() {
        assertTrue(AdminAccess.check(config, "ops").isEmpty());

        ErrorResponse refused = AdminAccess.check(config, "reporting-service").orElseThrow();
        assertEquals("FATAL", refused.severity());
        assertEquals("42501", refused.sqlState());
        assertEquals("permission denied for database \"pgwarden\"", refused.message());
        assertEquals("Service \"reporting-service\" is not listed under admin_services.", refused.fields().get('D'));
        assertTrue(AdminAccess.check(config, "nobody").isPresent());
    }

    @Test
    void theConsoleIsTheDatabaseNamedPgwarden() {
        assertTrue(AdminAccess.isAdminDatabase("pgwarden"));
        assertFalse(AdminAccess.isAdminDatabase("PGWARDEN"));
        assertFalse(AdminAccess.isAdminDatabase("orders"));
    }
}
