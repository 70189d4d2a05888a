package io.pgwarden.frontend;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.pgwarden.Eventually;
import io.pgwarden.RawPgClient;
import io.pgwarden.RawPgClient.Message;
import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * COPY of tiny rows through pgwarden, one CopyData per row, both directions and both pool modes,
 * with pgwarden's direct memory (its pooled allocator: pgwarden runs in this JVM) sampled all the
 * while: what one client has in flight must stay bounded whatever the message sizes, however fast
 * the client sends and however slowly the other end takes it. Pool size 1 and two clients one after
 * the other: the event loops are two, so one of the clients has its server on the other loop.
 * Netty's pool grows by chunks of 4 MiB: the bound is two of them. bench/copy-memory.sh does the same
 * at GB scale, on pgwarden's RSS.
 */
@WithPlatform({"POOL_SIZE=1", "TX_POOL_SIZE=1", "TX_MAX_PINNED=1"})
class CopyMemoryIT {

    /** A 3-byte row as PostgreSQL sends it in COPY TO: "abc\n" in a CopyData of 9 bytes. */
    private static final int ROW_BYTES = 9;
    private static final int MIB = 1024 * 1024;

    private static TestPlatform platform;

    @BeforeAll
    static void createTable() throws Exception {
        try (Connection c = platform.connect("orders-service", "orders"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS copy_memory (v text)");
        }
    }

    private static RawPgClient client(String database) throws IOException {
        RawPgClient client = new RawPgClient(platform.pgwarden().port());
        client.socket().setSoTimeout(30_000);
        client.loginMd5("md5-service", "md5-pw", database);
        return client;
    }

    /**
     * The client sends as fast as it can, PostgreSQL reads as fast as it parses: pgwarden's reads end
     * inside a message nearly every time. Before MessageFrameDecoder's own cumulator, the buffer those
     * reads went into doubled with the data (MessageFrameDecoderTest).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"orders", "orders_tx"})
    void copyFromStdinKeepsPgwardensMemoryBounded(String database) throws Exception {
        byte[] chunk = copyData(64, 995); // 63,680 bytes of rows in 64 CopyData: a chunk ends with a row
        int chunks = 64 * MIB / chunk.length;
        try (DirectPeak peak = new DirectPeak()) {
            for (int client = 0; client < 2; client++) { // consecutive clients: one has its server on its own loop, one not
                try (RawPgClient c = client(database)) {
                    c.query("COPY copy_memory FROM STDIN WHERE v <> 'abc'"); // every row read and checked, none stored
                    assertEquals('G', c.read().type(), "CopyInResponse");
                    OutputStream out = c.socket().getOutputStream();
                    for (int i = 0; i < chunks; i++) {
                        out.write(chunk);
                    }
                    out.write(RawPgClient.typed('c', new byte[0]));
                    out.flush();
                    Message done = c.readUntil('C');
                    assertEquals("COPY 0", text(done), "every row arrived as it was sent");
                    assertEquals('Z', c.read().type());
                }
            }
            assertTrue(peak.growth() < 10L * MIB, "pgwarden's direct memory grew by " + peak.growth() + " bytes");
        }
    }

    /** {@code messages} CopyData of {@code size} bytes each, their data "abc\n" rows cut anywhere. */
    private static byte[] copyData(int messages, int size) {
        byte[] all = new byte[messages * (5 + size)];
        int at = 0;
        long row = 0;
        for (int m = 0; m < messages; m++) {
            all[at] = 'd';
            all[at + 1] = (byte) ((size + 4) >>> 24);
            all[at + 2] = (byte) ((size + 4) >>> 16);
            all[at + 3] = (byte) ((size + 4) >>> 8);
            all[at + 4] = (byte) (size + 4);
            at += 5;
            for (int i = 0; i < size; i++, row++) {
                all[at++] = (byte) "abc\n".charAt((int) (row % 4));
            }
        }
        assertEquals(0, row % 4, "whole rows");
        return all;
    }

    private static String text(Message commandComplete) {
        return new String(commandComplete.body(), 0, commandComplete.body().length - 1, StandardCharsets.US_ASCII);
    }

    /**
     * One 9-byte CopyData per row from PostgreSQL, to a client with a 16 KiB receive buffer that
     * stops reading halfway until PostgreSQL has sent all it could: pgwarden must stop reading the
     * server, not hold the rows. (60,000 rows: each frame is slow under paranoid leak detection.)
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"orders", "orders_tx"})
    void copyToStdoutOfTinyRowsToASlowReaderKeepsPgwardensMemoryBounded(String database) throws Exception {
        long rows = 60_000;
        try (DirectPeak peak = new DirectPeak()) {
            for (int client = 0; client < 2; client++) {
                try (RawPgClient c = client(database)) {
                    c.socket().setReceiveBufferSize(16 * 1024);
                    c.query("COPY (SELECT 'abc' FROM generate_series(1, " + rows + ")) TO STDOUT");
                    InputStream in = c.socket().getInputStream();
                    byte[] buffer = new byte[8 * 1024];
                    DataInputStream data = new DataInputStream(in);
                    assertEquals('H', data.readUnsignedByte(), "CopyOutResponse");
                    data.readFully(new byte[data.readInt() - 4]);
                    long expected = rows * ROW_BYTES;
                    long read = readUpTo(in, buffer, expected / 2, 0);
                    // the reader stops: everything PostgreSQL has left is now between it and the client
                    awaitCopyOutDoneOrBlocked();
                    read = readUpTo(in, buffer, expected, read);
                    Message done = c.readUntil('C');
                    assertEquals("COPY " + rows, text(done));
                    assertEquals('Z', c.read().type());
                }
            }
            assertTrue(peak.growth() < 10L * MIB, "pgwarden's direct memory grew by " + peak.growth() + " bytes");
        }
    }

    private static long readUpTo(InputStream in, byte[] buffer, long until, long read) throws IOException {
        while (read < until) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, until - read));
            if (n < 0) {
                throw new IOException("closed after " + read + " bytes");
            }
            read += n;
        }
        return read;
    }

    /**
     * Until the COPY's backend has sent all it had (no longer active) or is blocked sending to
     * pgwarden (ClientWrite): either way the rest of the rows sit in pgwarden or the sockets, where
     * the peak is measured.
     */
    private static void awaitCopyOutDoneOrBlocked() throws Exception {
        Eventually.await("the COPY TO's backend done or blocked writing", () -> {
            try (Connection admin = platform.admin(); Statement st = admin.createStatement();
                 java.sql.ResultSet rs = st.executeQuery("SELECT state, coalesce(wait_event, '') FROM pg_stat_activity"
                         + " WHERE query LIKE 'COPY (SELECT ''abc''%' AND pid <> pg_backend_pid()")) {
                return rs.next() ? rs.getString(1) + " " + rs.getString(2) : "no backend";
            }
        }, state -> !state.startsWith("active ") || state.equals("active ClientWrite"));
    }

    /** pgwarden's direct memory sampled every 5 ms from now on: its peak over where it began. */
    private static final class DirectPeak implements AutoCloseable {
        private final long before = used();
        private volatile long peak = before;
        private final java.util.concurrent.ScheduledExecutorService sampler =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(task -> {
                    Thread thread = new Thread(task, "direct-memory-sampler");
                    thread.setDaemon(true);
                    return thread;
                });

        DirectPeak() {
            assertSame(PooledByteBufAllocator.DEFAULT, ByteBufAllocator.DEFAULT, "the allocator whose memory is measured");
            sampler.scheduleAtFixedRate(() -> peak = Math.max(peak, used()), 0, 5, java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        private static long used() {
            return PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
        }

        long growth() {
            return Math.max(peak, used()) - before;
        }

        @Override
        public void close() throws InterruptedException {
            sampler.shutdown();
            sampler.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
