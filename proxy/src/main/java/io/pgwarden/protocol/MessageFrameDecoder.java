package io.pgwarden.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

/**
 * Cuts the typed-message stream (one type byte, an int32 length that counts itself, the body)
 * into frames. Each frame is a retained slice of the read buffer: header included, nothing copied.
 * Parsing is someone else's job.
 *
 * <p>The bytes read and not yet cut into frames (a message not whole yet) are kept with the
 * {@link #CUMULATOR}: never in a buffer larger than what it must hold, however long the stream.
 */
public final class MessageFrameDecoder extends LengthFieldBasedFrameDecoder {

    /** PostgreSQL's own limit on one message (MaxAllocSize, 1 GiB - 1). */
    public static final int MAX_MESSAGE_LENGTH = 0x3fffffff;

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

    public MessageFrameDecoder() {
        this(MAX_MESSAGE_LENGTH);
    }

    public MessageFrameDecoder(int maxMessageLength) {
        // length at offset 1, 4 bytes, counts itself but not the type byte
        super(maxMessageLength, 1, 4, -4, 0, true);
        setCumulator(CUMULATOR);
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
