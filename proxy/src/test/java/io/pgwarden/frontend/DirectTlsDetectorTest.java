package io.pgwarden.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pgwarden.config.TlsConfig;
import io.pgwarden.tls.ClientTls;
import org.junit.jupiter.api.Test;

/** One byte decides between a startup packet and PostgreSQL 17's direct TLS. */
class DirectTlsDetectorTest {

    private static EmbeddedChannel channel() throws Exception {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(ClientPipeline.DIRECT_TLS, new DirectTlsDetector(ClientTls.load(TlsConfig.DISABLED)));
        return channel;
    }

    @Test
    void aStartupPacketPassesAndTheDetectorLeaves() throws Exception {
        EmbeddedChannel channel = channel();
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f}));
        ByteBuf passed = channel.readInbound();
        assertEquals(8, passed.readableBytes(), "untouched, whole");
        passed.release();
        assertNull(channel.pipeline().get(ClientPipeline.DIRECT_TLS));
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x16})); // later bytes are not looked at
        ByteBuf later = channel.readInbound();
        later.release();
        assertFalse(channel.finish());
    }

    @Test
    void aClientHelloWithoutTlsConfiguredIsClosedWithoutAWord() throws Exception {
        EmbeddedChannel channel = channel();
        ByteBuf hello = Unpooled.wrappedBuffer(new byte[] {0x16, 0x03, 0x01, 0x00, 0x05});
        channel.writeInbound(hello);
        assertEquals(0, hello.refCnt(), "released");
        assertNull(channel.readOutbound());
        assertTrue(!channel.isOpen());
    }
}
