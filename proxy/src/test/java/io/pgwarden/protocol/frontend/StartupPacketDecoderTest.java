package io.pgwarden.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.pgwarden.protocol.ProtocolException;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StartupPacketDecoderTest {

    private static byte[] startupBytes() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", "orders-service");
        params.put("database", "orders");
        params.put("options", "-c search_path=a\\ b");
        ByteBuf out = Unpooled.buffer();
        new StartupMessage(3, 0, params).encode(out);
        return ByteBufUtil.getBytes(out);
    }

    @Test
    void decodesAStartupMessageSplitAtEveryByte() {
        EmbeddedChannel channel = new EmbeddedChannel(new StartupPacketDecoder());
        for (byte b : startupBytes()) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        StartupMessage startup = channel.readInbound();
        assertEquals(3, startup.majorVersion());
        assertEquals(0, startup.minorVersion());
        assertEquals("orders-service", startup.user());
        assertEquals("orders", startup.database());
        assertEquals("-c search_path=a\\ b", startup.parameters().get("options"));
        channel.finish();
    }

    @Test
    void encodesTheExactBytesPostgresExpects() {
        ByteBuf out = Unpooled.buffer();
        out.writeBytes(new byte[] {7, 7}); // at a non-zero offset
        new StartupMessage(3, 0, Map.of("user", "u")).encode(out);
        out.skipBytes(2);
        assertArrayEquals(ByteBufUtil.decodeHexDump("00000010000300007573657200750000"), ByteBufUtil.getBytes(out));
    }

    @Test
    void theDatabaseDefaultsToTheUserName() {
        assertEquals("alice", new StartupMessage(3, 0, Map.of("user", "alice")).database());
    }

    @Test
    void decodesSslGssAndCancelRequests() {
        EmbeddedChannel channel = new EmbeddedChannel(new StartupPacketDecoder());
        channel.writeInbound(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("0000000804d2162f" + "0000000804d21630"
                + "0000001004d2162e0000303900abcdef")));
        assertSame(SslRequest.INSTANCE, channel.readInbound());
        assertSame(GssEncRequest.INSTANCE, channel.readInbound());
        assertEquals(new CancelRequest(12345, 0x00abcdef), channel.readInbound());
        channel.finish();
    }

    @Test
    void refusesLengthsPostgresRefuses() {
        for (String hex : new String[] {"00002711", "00000007", "ffffffff"}) {
            EmbeddedChannel channel = new EmbeddedChannel(new StartupPacketDecoder());
            DecoderException e = assertThrows(DecoderException.class,
                    () -> channel.writeInbound(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex + "00030000"))));
            assertInstanceOf(ProtocolException.class, e.getCause());
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void refusesACancelRequestOfTheWrongLength() {
        EmbeddedChannel channel = new EmbeddedChannel(new StartupPacketDecoder());
        assertThrows(DecoderException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("0000000c04d2162e00003039"))));
        channel.finishAndReleaseAll();
    }
}
