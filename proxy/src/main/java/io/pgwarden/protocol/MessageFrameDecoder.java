package io.pgwarden.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;

/**
 * Cuts the typed-message stream (one type byte, an int32 length that counts itself, the body)
 * into frames. Each frame is a retained slice of the read buffer: header included, nothing copied.
 * Parsing is someone else's job.
 *
 * <p>The {@link #forwarding(int) forwarding} decoder, on the pipelines whose frames pgwarden passes
 * on, takes the whole CopyData messages a read brought one after another (up to {@link #MAX_RUN}
 * bytes) as one frame of type {@code d}: COPY with tiny rows is millions of 9-byte messages, and
 * one slice (and one outbound entry) per message was garbage enough to grow pgwarden's heap, and
 * its RSS, by hundreds of MiB. Nothing reads CopyData; whoever reads a frame's type sees CopyData
 * either way. Only whole messages already read are joined: nothing waits for more.
 *
 * <p>The bytes read and not yet cut into frames (a message not whole yet) are kept with the
 * {@link #CUMULATOR}: never in a buffer larger than what it must hold, however long the stream.
 */
public final class MessageFrameDecoder extends LengthFieldBasedFrameDecoder {

    /** PostgreSQL's own limit on one message (MaxAllocSize, 1 GiB - 1). */
    public static final int MAX_MESSAGE_LENGTH = 0x3fffffff;

    /** The most bytes of CopyData taken as one frame by {@link #forwarding(int)}. */
    public static final int MAX_RUN = 64 * 1024;

    /**
     * Appends a read to the bytes left over while it fits in the buffer; when it does not, moves the
     * leftover (part of one message) and the read into a new buffer sized for the two (a power of two,
     * so a large message still grows its buffer in a few steps).
     *
     * <p>Netty's default (MERGE_CUMULATOR) grows the buffer in place instead, keeping the bytes
     * already cut into frames in front, and drops those only when no frame of the buffer is held any
     * more at the end of a read. Frames that are forwarded are held until the server's loop has
     * written them, which is after the end of the read, so that buffer never dropped anything: during
     * a COPY FROM STDIN its capacity doubled with the data (hundreds of MiB of direct memory for one
     * client, bench/copy-memory.sh), each doubling copying all of it.
     */
    public static final Cumulator CUMULATOR = MessageFrameDecoder::cumulate;

    private static final byte COPY_DATA = 'd';

    private final int maxMessageLength;
    private final boolean copyDataRuns;
    /** A message over the limit was refused: what follows is left to the length-field decoder (it discards). */
    private boolean refused;

    public MessageFrameDecoder() {
        this(MAX_MESSAGE_LENGTH);
    }

    public MessageFrameDecoder(int maxMessageLength) {
        this(maxMessageLength, false);
    }

    /** A decoder for a pipeline whose frames are forwarded: runs of CopyData come as one frame. */
    public static MessageFrameDecoder forwarding(int maxMessageLength) {
        return new MessageFrameDecoder(maxMessageLength, true);
    }

    private MessageFrameDecoder(int maxMessageLength, boolean copyDataRuns) {
        // length at offset 1, 4 bytes, counts itself but not the type byte
        super(maxMessageLength, 1, 4, -4, 0, true);
        this.maxMessageLength = maxMessageLength;
        this.copyDataRuns = copyDataRuns;
        setCumulator(CUMULATOR);
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        if (copyDataRuns && !refused) {
            int start = in.readerIndex();
            int end = endOfCopyDataRun(in, start);
            if (end > start) {
                ByteBuf run = in.retainedSlice(start, end - start);
                in.readerIndex(end);
                return run;
            }
            if (runWillTake(in, start)) {
                // a CopyData not whole yet that a run will take: the length-field decoder must not see it,
                // or it keeps its length for the next message it is given
                return null;
            }
        }
        try {
            return super.decode(ctx, in);
        } catch (TooLongFrameException e) {
            refused = true;
            throw e;
        }
    }

    /** The message at {@code start} is a CopyData with a length to accept and short enough for a run. */
    private boolean runWillTake(ByteBuf in, int start) {
        if (in.writerIndex() - start < Frames.HEADER_LENGTH || in.getByte(start) != COPY_DATA) {
            return false;
        }
        int length = in.getInt(start + 1);
        return length >= 4 && length + 1L <= maxMessageLength && length + 1L <= MAX_RUN;
    }

    /**
     * Where the whole CopyData messages from {@code start} end, up to {@link #MAX_RUN} bytes; {@code start}
     * when there is none (or the first is larger than a run, or has a length to refuse: the length-field
     * decoder takes those, as any other message).
     */
    private int endOfCopyDataRun(ByteBuf in, int start) {
        int end = start;
        int limit = in.writerIndex();
        while (limit - end >= Frames.HEADER_LENGTH && in.getByte(end) == COPY_DATA) {
            int length = in.getInt(end + 1);
            if (length < 4 || length + 1L > maxMessageLength) { // as the length-field decoder counts it
                break;
            }
            long next = end + 1L + length;
            if (next > limit || next - start > MAX_RUN) {
                break;
            }
            end = (int) next;
        }
        return end;
    }

    private static ByteBuf cumulate(ByteBufAllocator alloc, ByteBuf cumulation, ByteBuf in) {
        if (cumulation == in) {
            in.release(); // as MERGE_CUMULATOR: the same buffer given twice
            return cumulation;
        }
        if (!cumulation.isReadable() && in.isContiguous()) {
            cumulation.release();
            return in; // nothing left over: the read itself, no copy
        }
        try {
            int read = in.readableBytes();
            if (read <= cumulation.maxFastWritableBytes() && !cumulation.isReadOnly()) {
                // behind the frames already cut, which may still be held: they are not touched
                cumulation.writeBytes(in, in.readerIndex(), read);
                return cumulation;
            }
            int leftover = cumulation.readableBytes();
            ByteBuf fresh = alloc.buffer(alloc.calculateNewCapacity(leftover + read, Integer.MAX_VALUE));
            fresh.writeBytes(cumulation, cumulation.readerIndex(), leftover).writeBytes(in, in.readerIndex(), read);
            cumulation.release(); // the frames cut from it keep it until they are written
            return fresh;
        } finally {
            in.release();
        }
    }
}
