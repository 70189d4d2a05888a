package io.pgwarden.pool;

import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Idle server connections are closed after server_idle_timeout, and min_idle are kept warm. */
@WithPlatform({"SERVER_IDLE_TIMEOUT=1s", "TRUSTED_MIN_IDLE=2"})
class PoolMaintenanceIT {

    private static TestPlatform platform;

    @Test
    void minIdleConnectionsAreOpenedWithoutAnyClient() throws Exception {
        assertTrue(eventually(() -> connections("trusted_db") == 2), "2 warm connections to trusted_db");
        Thread.sleep(2500); // past server_idle_timeout: min_idle ones stay
        assertTrue(connections("trusted_db") == 2);
    }

    @Test
    void idleServerConnectionsAreClosedAfterTheIdleTimeout() throws Exception {
        try (Connection c = platform.connect("payments-service", "payments")) {
            c.createStatement().execute("SELECT 1");
        }
        assertTrue(connections("payments_db") >= 1, "the server stays for reuse");
        assertTrue(eventually(() -> connections("payments_db") == 0), "closed after server_idle_timeout");
    }

    private static int connections(String dbname) {
        try {
            return platform.backendConnections(dbname);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }
}
