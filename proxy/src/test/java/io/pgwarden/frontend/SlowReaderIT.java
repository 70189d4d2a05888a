package io.pgwarden.frontend;

import io.netty.buffer.PooledByteBufAllocator;
import io.pgwarden.RawPgClient;
import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that asks for a huge result and stops reading makes pgwarden stop reading the server:
 * the result waits in PostgreSQL (blocked on ClientWrite), not in pgwarden's memory.
 */
@WithPlatform
class SlowReaderIT {

    private static TestPlatform platform;

    @Test
    void aClientThatStopsReadingPausesTheServerInsteadOfFillingMemory() throws Exception {
        long directBefore = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
        try (RawPgClient slow = new RawPgClient(platform.pgwarden().port())) {
            slow.socket().setReceiveBufferSize(16 * 1024);
            slow.loginMd5("md5-service", "md5-pw", "orders");
            // about 2 GB of rows, never read
            slow.query("SELECT repeat('x', 1000) FROM generate_series(1, 2000000)");

            String waitEvent = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline && !"ClientWrite".equals(waitEvent)) {
                Thread.sleep(200);
                waitEvent = serverWaitEvent();
            }
            assertEquals("ClientWrite", waitEvent, "PostgreSQL is blocked writing to pgwarden: pgwarden stopped reading");
            long buffered = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory() - directBefore;
            assertTrue(buffered < 32L * 1024 * 1024, "pgwarden holds " + buffered + " bytes for the slow client");
        }
    }

    private static String serverWaitEvent() throws Exception {
        try (Connection admin = platform.admin(); Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("SELECT wait_event FROM pg_stat_activity WHERE datname = 'orders_db' "
                     + "AND query LIKE 'SELECT repeat%' AND state = 'active'")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
