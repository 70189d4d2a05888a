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

    /** CopyData("abc\n"): a 3-byte row of COPY's text format, as psql sends one per row. */
    private static final String TINY_ROW = "640000000861626 30a".replace(" ", "");

    /*
     * COPY with tiny rows is millions of 9-byte CopyData messages: one retained slice each (and one
     * outbound entry each on the other side) made pgwarden's heap churn through hundreds of MiB per
     * 32 MiB of rows, and its RSS grow with it (bench/copy-memory.sh). The forwarding pipelines take
     * what a read brought of a run of CopyData as one frame: one slice, the same bytes.
     */
    @Test
    void forwardingTakesTheCopyDataOfOneReadAsOneFrame() {
        EmbeddedChannel channel = new EmbeddedChannel(MessageFrameDecoder.forwarding(MessageFrameDecoder.MAX_MESSAGE_LENGTH));
        channel.writeInbound(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(TINY_ROW.repeat(1000) + "6300000004" + "5300000004")));
        assertFrame(channel.readInbound(), TINY_ROW.repeat(1000));
        assertFrame(channel.readInbound(), "6300000004"); // CopyDone, Sync: one frame each, as ever
        assertFrame(channel.readInbound(), "5300000004");
        assertNull(channel.readInbound());
        assertTrue(!channel.finish());
    }

    @Test
    void forwardingLeavesAPartialCopyDataForTheNextReadAndStartsAtAnyOffset() {
        EmbeddedChannel channel = new EmbeddedChannel(MessageFrameDecoder.forwarding(MessageFrameDecoder.MAX_MESSAGE_LENGTH));
        byte[] rows = ByteBufUtil.decodeHexDump(TINY_ROW.repeat(3));
        ByteBuf first = Unpooled.buffer().writeBytes(new byte[] {9, 9}).writeBytes(rows, 0, 20);
        first.skipBytes(2);
        channel.writeInbound(first);
        assertFrame(channel.readInbound(), TINY_ROW.repeat(2));
        assertNull(channel.readInbound(), "the third row is not whole yet");
        channel.writeInbound(Unpooled.wrappedBuffer(rows, 20, rows.length - 20));
        assertFrame(channel.readInbound(), TINY_ROW);
        assertNull(channel.readInbound());
        assertTrue(!channel.finish());
    }

    /*
     * A CopyData that came in two reads, then CopyDone: the length-field decoder had kept the length
     * of the half message it saw, the run took the message whole, and the kept length then stood for
     * CopyDone: it waited for 100 bytes that never came (TransactionPoolingIT's copyIn hung).
     */
    @Test
    void forwardingCutsAStreamSplitAtEveryByteIntoTheSameMessages() {
        String copyData = "6400000068" + "61".repeat(100); // CopyData with 100 bytes
        String stream = TINY_ROW.repeat(3) + copyData + "6300000004" + "5300000004" + "510000000a" + "73656c6563" + "00";
        for (int split = 1; split <= 7; split++) {
            EmbeddedChannel channel = new EmbeddedChannel(MessageFrameDecoder.forwarding(MessageFrameDecoder.MAX_MESSAGE_LENGTH));
            byte[] bytes = ByteBufUtil.decodeHexDump(stream);
            for (int i = 0; i < bytes.length; i += split) {
                channel.writeInbound(Unpooled.wrappedBuffer(bytes, i, Math.min(split, bytes.length - i)));
            }
            StringBuilder out = new StringBuilder();
            StringBuilder types = new StringBuilder();
            for (ByteBuf frame; (frame = channel.readInbound()) != null; ) {
                types.append((char) frame.getByte(frame.readerIndex()));
                out.append(ByteBufUtil.hexDump(frame));
                frame.release();
            }
            assertEquals(stream, out.toString(), "read " + split + " bytes at a time");
            assertTrue(types.toString().endsWith("dcSQ"), types + ": CopyDone, Sync and Query are frames of their own");
            assertTrue(!channel.finish());
        }
    }

    /** Random valid streams (CopyData of 0 bytes to 100 KiB among other messages), read in random pieces. */
    @Test
    void forwardingGivesBackEveryStreamAsWholeMessagesOrRunsOfWholeCopyData() {
        java.util.Random random = new java.util.Random(42);
        for (int round = 0; round < 200; round++) {
            ByteBuf stream = Unpooled.buffer();
            int messages = 1 + random.nextInt(60);
            for (int m = 0; m < messages; m++) {
                byte type = "ddddddcSQB".getBytes(java.nio.charset.StandardCharsets.US_ASCII)[random.nextInt(10)];
                int body = random.nextInt(10) == 0 ? random.nextInt(100_000) : random.nextInt(20);
                stream.writeByte(type).writeInt(4 + body);
                for (int i = 0; i < body; i++) {
                    stream.writeByte('a' + random.nextInt(26));
                }
            }
            byte[] bytes = ByteBufUtil.getBytes(stream);
            EmbeddedChannel channel = new EmbeddedChannel(MessageFrameDecoder.forwarding(MessageFrameDecoder.MAX_MESSAGE_LENGTH));
            for (int i = 0; i < bytes.length; ) {
                int piece = Math.min(bytes.length - i, 1 + random.nextInt(random.nextBoolean() ? 16 : 70_000));
                channel.writeInbound(Unpooled.wrappedBuffer(bytes, i, piece));
                i += piece;
            }
            ByteBuf out = Unpooled.buffer();
            for (ByteBuf frame; (frame = channel.readInbound()) != null; ) {
                int at = frame.readerIndex();
                int count = 0;
                while (at < frame.writerIndex()) { // whole messages only; more than one only if all are CopyData
                    int length = frame.getInt(at + 1);
                    assertTrue(at + 1 + length <= frame.writerIndex(), "a frame ends on a message's end");
                    count++;
                    assertTrue(count == 1 || frame.getByte(at) == 'd' && frame.getByte(frame.readerIndex()) == 'd', "a run is CopyData only");
                    at += 1 + length;
                }
                assertTrue(count == 1 || frame.readableBytes() <= MessageFrameDecoder.MAX_RUN);
                out.writeBytes(frame);
                frame.release();
            }
            assertArrayEquals(bytes, ByteBufUtil.getBytes(out), "round " + round);
            assertTrue(!channel.finish());
        }
    }

    @Test
    void forwardingKeepsARunUnder64KiBAndALargeCopyDataWhole() {
        EmbeddedChannel channel = new EmbeddedChannel(MessageFrameDecoder.forwarding(MessageFrameDecoder.MAX_MESSAGE_LENGTH));
        ByteBuf large = Unpooled.buffer().writeByte('d').writeInt(4 + 100_000).writeZero(100_000);
        ByteBuf tiny = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(TINY_ROW.repeat(10_000)));
        channel.writeInbound(Unpooled.wrappedBuffer(large, tiny));
        ByteBuf frame = channel.readInbound();
        assertEquals(100_005, frame.readableBytes(), "a CopyData over the run's limit is one frame of its own");
        frame.release();
        long rest = 0;
        while ((frame = channel.readInbound()) != null) {
            assertTrue(frame.readableBytes() <= MessageFrameDecoder.MAX_RUN, frame.readableBytes() + " bytes in one run");
            assertEquals(0, frame.readableBytes() % 9, "whole rows only");
            rest += frame.readableBytes();
            frame.release();
        }
        assertEquals(90_000, rest);
        assertTrue(!channel.finish());
    }

    @Test
    void forwardingStillRefusesACopyDataOverTheLimit() {
        EmbeddedChannel channel = new EmbeddedChannel(MessageFrameDecoder.forwarding(1000));
        DecoderException e = assertThrows(DecoderException.class, () -> channel.writeInbound(
                Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(TINY_ROW + "64000f4240"))));
        assertTrue(e instanceof TooLongFrameException, e.toString());
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
