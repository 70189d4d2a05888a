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

    /**
     * A COPY FROM STDIN as a forwarding pipeline sees it: 64 KiB reads of 1000-byte CopyData, each
     * read ending inside a message, and every frame held past the end of its read (written on the
     * server's loop), then released before the next read. The buffer the frames are cut from must stay
     * about the size of one read: with Netty's default cumulator it doubled with the data (to 32 MiB
     * for these 32 MiB), as nothing dropped the bytes already cut.
     */
    @Test
    void theBufferFramesAreCutFromStaysTheSizeOfAReadWhenFramesAreHeldPastTheRead() {
        java.util.List<ByteBuf> held = new java.util.ArrayList<>();
        int[] largest = new int[1];
        long[] bytes = new long[1];
        EmbeddedChannel channel = new EmbeddedChannel(new MessageFrameDecoder(), new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                ByteBuf frame = (ByteBuf) msg;
                ByteBuf root = frame;
                while (root.unwrap() != null) {
                    root = root.unwrap();
                }
                largest[0] = Math.max(largest[0], root.capacity());
                bytes[0] += frame.readableBytes();
                held.add(frame);
            }

            @Override
            public void channelReadComplete(io.netty.channel.ChannelHandlerContext ctx) {
                held.forEach(ByteBuf::release); // written after the read (the decoder has had its end of read)
                held.clear();
            }
        });
        byte[] message = new byte[1000];
        message[0] = 'd';
        message[3] = 0x03;
        message[4] = (byte) 0xe7; // length 999: 4 + 995 bytes of data
        int reads = 512;
        int offset = 0;
        for (int i = 0; i < reads; i++) {
            ByteBuf read = io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(64 * 1024, 64 * 1024);
            while (read.isWritable()) {
                int n = Math.min(read.writableBytes(), message.length - offset);
                read.writeBytes(message, offset, n);
                offset = (offset + n) % message.length;
            }
            channel.writeOneInbound(read);
            channel.pipeline().fireChannelReadComplete();
        }
        assertEquals((long) reads * 64 * 1024 / 1000 * 1000, bytes[0], "every whole message came out");
        assertTrue(largest[0] <= 256 * 1024, "frames were cut from a buffer of " + largest[0] + " bytes");
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
