package io.pgwarden.frontend;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.pgwarden.Eventually;
import io.pgwarden.RawPgClient;
import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that asks for a huge result and stops reading makes pgwarden stop reading the server:
 * the result waits in PostgreSQL (blocked on ClientWrite), not in pgwarden's memory. Fails if
 * pgwarden keeps reading the server for a client that does not read: PostgreSQL would never block
 * on ClientWrite (or only after pgwarden had buffered far more than 32 MB of the 2 GB).
 */
@WithPlatform
class SlowReaderIT {

    private static TestPlatform platform;

    @Test
    void aClientThatStopsReadingPausesTheServerInsteadOfFillingMemory() throws Exception {
        long directBefore = directMemory();
        try (RawPgClient slow = slowReader("orders", "SELECT repeat('x', 1000) FROM generate_series(1, 2000000) /* session */")) {
            awaitClientWrite("SELECT repeat('x', 1000) FROM generate_series(1, 2000000) /* session */");
            long buffered = directMemory() - directBefore;
            assertTrue(buffered < 32L * 1024 * 1024, "pgwarden holds " + buffered + " bytes for the slow client");
        }
    }

    /*
     * orders_tx has 5 servers; the slow reader's transaction keeps one. Also fails if the other
     * clients of the database are not served meanwhile (4 at once, 20 queries each), or if serving
     * them takes the slow reader's server from it (it must still be blocked on ClientWrite).
     */
    @Test
    void aSlowReaderInTransactionModePausesItsServerWhileOtherClientsOfTheDatabaseAreServed() throws Exception {
        String big = "SELECT repeat('x', 1000) FROM generate_series(1, 2000000) /* transaction */";
        long directBefore = directMemory();
        try (RawPgClient slow = slowReader("orders_tx", big); Connection console = platform.console();
             Statement admin = console.createStatement()) {
            awaitClientWrite(big);
            assertEquals(1, TestPlatform.poolCount(admin, "orders_tx", "sv_active"), "the slow reader's server is lent to it");

            List<CompletableFuture<Integer>> others = new ArrayList<>();
            for (int client = 0; client < 4; client++) {
                others.add(CompletableFuture.supplyAsync(() -> {
                    try (Connection c = platform.connect("orders-service", "orders_tx");
                         PreparedStatement st = c.prepareStatement("SELECT ?::int * 2")) {
                        int served = 0;
                        for (int i = 0; i < 20; i++) {
                            st.setInt(1, i);
                            try (ResultSet rs = st.executeQuery()) {
                                rs.next();
                                assertEquals(2 * i, rs.getInt(1));
                                served++;
                            }
                        }
                        return served;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            for (CompletableFuture<Integer> other : others) {
                assertEquals(20, other.get(30, TimeUnit.SECONDS), "another client of orders_tx was served");
            }
            assertEquals("ClientWrite", serverWaitEvent(big), "the slow reader's server is still blocked on it");
            long buffered = directMemory() - directBefore;
            assertTrue(buffered < 32L * 1024 * 1024, "pgwarden holds " + buffered + " bytes for the slow client");
        }
    }

    /** Logs in with a small receive buffer, sends {@code sql} and reads nothing of its result. */
    private static RawPgClient slowReader(String database, String sql) throws Exception {
        RawPgClient slow = new RawPgClient(platform.pgwarden().port());
        slow.socket().setReceiveBufferSize(16 * 1024);
        slow.loginMd5("md5-service", "md5-pw", database);
        slow.query(sql); // about 2 GB of rows, never read
        return slow;
    }

    private static long directMemory() {
        assertSame(PooledByteBufAllocator.DEFAULT, ByteBufAllocator.DEFAULT, "the allocator whose memory is measured");
        return PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
    }

    private static void awaitClientWrite(String sql) throws Exception {
        Eventually.await("PostgreSQL to block writing to pgwarden (pgwarden stopped reading)",
                () -> serverWaitEvent(sql), "ClientWrite"::equals);
    }

    private static String serverWaitEvent(String sql) throws Exception {
        try (Connection admin = platform.admin(); PreparedStatement st = admin.prepareStatement(
                "SELECT wait_event FROM pg_stat_activity WHERE query = ? AND state = 'active'")) {
            st.setString(1, sql);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
