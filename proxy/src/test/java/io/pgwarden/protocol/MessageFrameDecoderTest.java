package io.pgwarden.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MessageFrameDecoderTest {

    /** ReadyForQuery(I), then DataRow with one 3-byte column, then CommandComplete("SELECT 1"). */
    private static final byte[] THREE_MESSAGES = ByteBufUtil.decodeHexDump(
            "5a0000000549"
                    + "440000000d0001000000036162 63".replace(" ", "")
                    + "430000000d53454c454354203100");

    @Test
    void cutsMergedMessagesIntoWholeFramesWithHeaders() {
        EmbeddedChannel channel = new EmbeddedChannel(new MessageFrameDecoder());
        channel.writeInbound(Unpooled.wrappedBuffer(THREE_MESSAGES));
        assertFrame(channel.readInbound(), "5a0000000549");
        assertFrame(channel.readInbound(), "440000000d000100000003616263");
        assertFrame(channel.readInbound(), "430000000d53454c454354203100");
        assertNull(channel.readInbound());
        assertTrue(!channel.finish());
    }

    @Test
    void joinsMessagesSplitAtEveryByte() {
        EmbeddedChannel channel = new EmbeddedChannel(new MessageFrameDecoder());
        for (byte b : THREE_MESSAGES) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertFrame(channel.readInbound(), "5a0000000549");
        assertFrame(channel.readInbound(), "440000000d000100000003616263");
        assertFrame(channel.readInbound(), "430000000d53454c454354203100");
        assertNull(channel.readInbound());
        channel.finish();
    }

    @Test
    void readsAFrameThatStartsAtANonZeroOffset() {
        EmbeddedChannel channel = new EmbeddedChannel(new MessageFrameDecoder());
        ByteBuf buffer = Unpooled.buffer().writeBytes(new byte[] {9, 9, 9}).writeBytes(ByteBufUtil.decodeHexDump("5a0000000554"));
        buffer.skipBytes(3);
        channel.writeInbound(buffer);
        ByteBuf frame = channel.readInbound();
        assertEquals(TransactionStatus.IN_TRANSACTION, io.pgwarden.protocol.backend.ReadyForQuery.status(frame));
        frame.release();
        channel.finish();
    }

    @Test
    void refusesAMessageLongerThanTheLimit() {
        EmbeddedChannel channel = new EmbeddedChannel(new MessageFrameDecoder(1000));
        DecoderException e = assertThrows(DecoderException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("51000f4240"))));
        assertTrue(e instanceof TooLongFrameException, e.toString());
        channel.finishAndReleaseAll();
    }

    @Test
    void refusesALengthThatCannotCountItself() {
        EmbeddedChannel channel = new EmbeddedChannel(new MessageFrameDecoder());
        assertThrows(DecoderException.class, () -> channel.writeInbound(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("5100000002"))));
        channel.finishAndReleaseAll();
    }

    private static void assertFrame(ByteBuf frame, String hex) {
        try {
            assertArrayEquals(ByteBufUtil.decodeHexDump(hex), ByteBufUtil.getBytes(frame));
        } finally {
            frame.release();
        }
    }
}
