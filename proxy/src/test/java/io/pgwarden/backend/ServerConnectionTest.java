package io.pgwarden.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pgwarden.metrics.DatabaseMeters;
import io.pgwarden.protocol.TransactionStatus;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The FIFO of requests and their ReadyForQuery, which decides whether a server can be reused. */
class ServerConnectionTest {

    /** Counts what the connection reports, as the real meters would. */
    private static final class RecordingMeters implements DatabaseMeters {
        int queries;
        int transactions;
        final java.util.List<String> errors = new java.util.ArrayList<>();
        long bytesIn;
        long bytesOut;

        @Override
        public void clientWaitEnded(long nanos, boolean timedOut) {
        }

        @Override
        public void transactionCompleted(long nanos) {
            transactions++;
        }

        @Override
        public void queryCompleted(long nanos) {
            queries++;
        }

        @Override
        public void bytesClientToServer(long bytes) {
            bytesOut += bytes;
        }

        @Override
        public void bytesServerToClient(long bytes) {
            bytesIn += bytes;
        }

        @Override
        public void serverError(String sqlState) {
            errors.add(sqlState);
        }

        @Override
        public io.pgwarden.metrics.DatabaseTotals totals() {
            return null;
        }
    }

    private final RecordingMeters meters = new RecordingMeters();
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final ServerConnection server = ServerConnections.on(channel, meters);

    private void clientSends(String hex) {
        channel.writeOutbound(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex)));
        ByteBuf written = channel.readOutbound();
        written.release();
    }

    private void pgwardenSends(String sql) {
        server.writeInternalQuery(sql);
        channel.flushOutbound();
        ByteBuf written = channel.readOutbound();
        written.release();
    }

    private void serverSends(String hex) {
        channel.writeInbound(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex)));
    }

    @Test
    void aSimpleQueryIsOpenUntilItsReadyForQuery() {
        assertTrue(server.atRequestBoundary());
        clientSends("510000000a53454c45435400"); // Query
        assertFalse(server.atRequestBoundary());
        serverSends("5a0000000554"); // ReadyForQuery(T)
        assertTrue(server.atRequestBoundary());
        assertEquals(TransactionStatus.IN_TRANSACTION, server.transactionStatus());
    }

    @Test
    void anExtendedQueryIsOpenFromParseUntilTheReadyForQueryOfItsSync() {
        clientSends("500000000800000000"); // Parse (unnamed, empty)
        clientSends("42000000080000000000"); // Bind-ish
        assertFalse(server.atRequestBoundary(), "no Sync yet");
        clientSends("5300000004"); // Sync
        assertFalse(server.atRequestBoundary());
        serverSends("5a0000000549");
        assertTrue(server.atRequestBoundary());
    }

    @Test
    void pipelinedRequestsNeedEveryReadyForQuery() {
        clientSends("510000000a53454c45435400");
        clientSends("5300000004");
        serverSends("5a0000000549");
        assertFalse(server.atRequestBoundary());
        serverSends("5a0000000545");
        assertTrue(server.atRequestBoundary());
        assertEquals(TransactionStatus.FAILED, server.transactionStatus());
    }

    @Test
    void queriesAndTransactionsAreCountedOnceAndPgwardensOwnNotAtAll() {
        pgwardenSends("SET x = 1"); // pgwarden's own Query (a setting)
        serverSends("5a0000000549");
        assertEquals(0, meters.queries);
        clientSends("510000000a53454c45435400"); // BEGIN-like: transaction opens
        serverSends("5a0000000554");
        clientSends("5300000004");
        serverSends("450000000f433233353035" + "00" + "4d7800" + "00"); // ErrorResponse 23505
        serverSends("5a0000000545");
        clientSends("510000000a53454c45435400"); // ROLLBACK-like: transaction ends
        serverSends("5a0000000549");
        assertEquals(3, meters.queries);
        assertEquals(1, meters.transactions);
        assertEquals(java.util.List.of("23505"), meters.errors);
        channel.pipeline().fireChannelReadComplete();
        assertTrue(meters.bytesIn > 0 && meters.bytesOut > 0, "bytes are counted per read batch");
    }

    @Test
    void pipelinedAutocommitQueriesAreEachATransaction() {
        pgwardenSends("SET x = 1"); // pgwarden's settings query, pipelined before the client's
        clientSends("510000000a53454c45435400");
        clientSends("510000000a53454c45435400");
        serverSends("5a0000000549");
        serverSends("5a0000000549");
        serverSends("5a0000000549");
        assertEquals(2, meters.queries);
        assertEquals(2, meters.transactions, "each autocommit query behind another is a transaction of its own");
    }

    @Test
    void reportedParametersAreTracked() {
        serverSends("530000001154696d655a6f6e650043455400"); // ParameterStatus(TimeZone, CET)
        assertEquals("CET", server.parameters().get("TimeZone"));
    }

    /** 8,192 queued writes failing on one broken socket once made 8,192 log lines. */
    @Test
    void aBrokenConnectionIsLoggedOnceHoweverManyWritesFail() {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(ServerConnection.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender = new ch.qos.logback.core.read.ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        // Netty fails every queued write while the close is under way: keep the channel open as it is then
        channel.pipeline().addFirst(new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void close(io.netty.channel.ChannelHandlerContext ctx, io.netty.channel.ChannelPromise promise) {
                promise.setSuccess();
            }
        });
        try {
            for (int i = 0; i < 1000; i++) {
                channel.pipeline().fireExceptionCaught(new java.io.IOException("writevAddresses(..) failed: Connection reset by peer"));
            }
            long infoOrWorse = appender.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.INFO)).count();
            assertEquals(1, infoOrWorse);
        } finally {
            logger.detachAppender(appender);
        }
    }
}
