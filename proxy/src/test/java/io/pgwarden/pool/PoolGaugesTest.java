package io.pgwarden.pool;

import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.PoolSettings;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** SHOW POOLS' columns from one reading of the books. */
class PoolGaugesTest {

    private static final DatabaseConfig ORDERS = new DatabaseConfig("orders", "main", "orders_db", "owner", "", PoolSettings.DEFAULTS);

    @Test
    void serversAreActiveWhenNeitherIdleNorLoggingInNorBeingResetAndClientsIdleAreTheRest() {
        // 10 open: 3 idle, 1 logging in, 2 being reset -> 4 running a client's work; 12 clients, 5 waiting
        PoolStats counts = new PoolStats(10, 3, 1, 2, 5, 7_000_000L, 2, 12);
        PoolGauges gauges = new PoolGauges(() -> ORDERS, () -> counts, () -> 0.5);
        assertEquals(4, gauges.serversActive());
        assertEquals(4, gauges.clientsActive());
        assertEquals(3, gauges.serversIdle());
        assertEquals(1, gauges.serversLogin());
        assertEquals(2, gauges.serversTested());
        assertEquals(5, gauges.clientsWaiting());
        assertEquals(3, gauges.clientsIdle(), "12 clients - 4 active - 5 waiting");
        assertEquals(7_000_000L, gauges.maxWaitNanos());
        assertEquals(2, gauges.throttledCount());
        assertEquals(0.5, gauges.fairShare());
        assertEquals(PoolSettings.DEFAULTS.size(), gauges.poolSize());
        assertEquals("orders", gauges.database());
        assertEquals("main", gauges.backend());
    }

    @Test
    void countsNeverGoNegativeWhileAServerIsBeingCounted() {
        PoolStats counts = new PoolStats(1, 1, 1, 0, 0, 0, 0, 0);
        PoolGauges gauges = new PoolGauges(() -> ORDERS, () -> counts, () -> 0);
        assertEquals(0, gauges.serversActive());
        assertEquals(0, gauges.clientsIdle());
    }
}
