package io.pgwarden.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.PoolSettings;
import io.pgwarden.protocol.TransactionStatus;
import io.pgwarden.protocol.backend.BackendKeyData;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The FIFO of requests and their ReadyForQuery, which decides whether a server can be reused. */
class ServerConnectionTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final ServerConnection server = new ServerConnection(channel,
            new DatabaseConfig("orders", "main", "orders_db", "owner", "", PoolSettings.DEFAULTS),
            new BackendKeyData(1, 2), Map.of("TimeZone", "UTC"));

    ServerConnectionTest() {
        channel.pipeline().addLast(server);
    }

    private void clientSends(String hex) {
        channel.writeOutbound(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex)));
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
    void reportedParametersAreTracked() {
        serverSends("530000001154696d655a6f6e650043455400"); // ParameterStatus(TimeZone, CET)
        assertEquals("CET", server.parameters().get("TimeZone"));
    }
}
