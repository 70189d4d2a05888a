package io.pgwarden.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.protocol.Frames;

import java.nio.charset.StandardCharsets;

/** DataRow ('D'): one row of a result. pgwarden reads only the answers to its own one-value queries. */
public final class DataRow {

    private DataRow() {
    }

    /** The first column's value as text (a simple query's result is text), or null when it is NULL or there is none. */
    public static String firstValue(ByteBuf frame) {
        int at = frame.readerIndex() + Frames.HEADER_LENGTH;
        if (frame.writerIndex() - at < 6 || frame.getShort(at) < 1) {
            return null;
        }
        int length = frame.getInt(at + 2);
        if (length < 0 || length > frame.writerIndex() - at - 6) {
            return null;
        }
        return frame.toString(at + 6, length, StandardCharsets.UTF_8);
    }
}
