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
import static org.junit.jupiter.api.Assertions.assertNull;
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
    void aTerminateWhereTheStartupBelongsIsDecodedEvenSplitAndEndsThePhase() {
        StartupPacketDecoder decoder = new StartupPacketDecoder();
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        for (byte b : ByteBufUtil.decodeHexDump("580000000400000008")) { // Terminate, then bytes never decoded
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertSame(EarlyTerminate.INSTANCE, channel.readInbound());
        assertNull(channel.readInbound());
        channel.finish();
    }

    @Test
    void anXThatIsNoTerminateIsAnInvalidLength() {
        EmbeddedChannel channel = new EmbeddedChannel(new StartupPacketDecoder());
        DecoderException e = assertThrows(DecoderException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("5800000005"))));
        assertInstanceOf(ProtocolException.class, e.getCause());
        channel.finish();
    }

    @Test
    void decodesSslGssAndCancelRequestsOnePerRead() {
        StartupPacketDecoder decoder = new StartupPacketDecoder();
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        channel.writeInbound(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("0000000804d2162f" + "0000000804d21630"
                + "0000001004d2162e0000303900abcdef")));
        assertSame(SslRequest.INSTANCE, channel.readInbound());
        assertNull(channel.readInbound(), "the rest waits for the answer to the first");
        assertEquals(24, decoder.bufferedBytes());
        channel.writeInbound(Unpooled.EMPTY_BUFFER);
        assertSame(GssEncRequest.INSTANCE, channel.readInbound());
        channel.writeInbound(Unpooled.EMPTY_BUFFER);
        assertEquals(new CancelRequest(12345, 0x00abcdef), channel.readInbound());
        assertEquals(0, decoder.bufferedBytes());
        channel.finish();
    }

    @Test
    void decodesNothingAfterTheStartupMessageNorAfterTheClose() {
        StartupPacketDecoder decoder = new StartupPacketDecoder();
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        byte[] startup = startupBytes();
        channel.writeInbound(Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(startup), Unpooled.wrappedBuffer(startup)));
        assertInstanceOf(StartupMessage.class, channel.readInbound());
        channel.writeInbound(Unpooled.EMPTY_BUFFER);
        assertNull(channel.readInbound(), "what follows a StartupMessage is typed messages, for the next decoder");
        assertEquals(startup.length, decoder.bufferedBytes());
        channel.close(); // the client left: what it left behind is not decoded either
        assertNull(channel.readInbound());
        channel.finishAndReleaseAll();

        EmbeddedChannel another = new EmbeddedChannel(new StartupPacketDecoder());
        another.writeInbound(Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("0000000804d2162f")),
                Unpooled.wrappedBuffer(startup)));
        assertSame(SslRequest.INSTANCE, another.readInbound());
        another.close();
        assertNull(another.readInbound(), "a StartupMessage buffered when the connection closed is not decoded");
        another.finishAndReleaseAll();
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
