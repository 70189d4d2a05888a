package io.pgwarden.protocol;

import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

/**
 * Cuts the typed-message stream (one type byte, an int32 length that counts itself, the body)
 * into frames. Each frame is a retained slice of the read buffer: header included, nothing copied.
 * Parsing is someone else's job.
 */
public final class MessageFrameDecoder extends LengthFieldBasedFrameDecoder {

    /** PostgreSQL's own limit on one message (MaxAllocSize, 1 GiB - 1). */
    public static final int MAX_MESSAGE_LENGTH = 0x3fffffff;

    public MessageFrameDecoder() {
        this(MAX_MESSAGE_LENGTH);
    }

    public MessageFrameDecoder(int maxMessageLength) {
        // length at offset 1, 4 bytes, counts itself but not the type byte
        super(maxMessageLength, 1, 4, -4, 0, true);
    }
}
