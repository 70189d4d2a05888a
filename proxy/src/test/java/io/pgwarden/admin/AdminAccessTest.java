package io.pgwarden.admin;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.metrics.MetricsFixtures;
import org.junit.jupiter.api.Test;

class AdminAccessTest {

    private final PgwardenConfig config = MetricsFixtures.config();

    @Test
    void onlyAdminServicesMayOpenTheConsole() {
        assertTrue(AdminAccess.mayOpen(config, "ops"));
        assertFalse(AdminAccess.mayOpen(config, "reporting-service"));
        assertFalse(AdminAccess.mayOpen(config, "nobody"));
    }

    @Test
    void theConsoleIsTheDatabaseNamedPgwarden() {
        assertTrue(AdminAccess.isAdminDatabase("pgwarden"));
        assertFalse(AdminAccess.isAdminDatabase("PGWARDEN"));
        assertFalse(AdminAccess.isAdminDatabase("orders"));
    }
}
