package io.pgwarden.protocol;

import io.netty.buffer.ByteBuf;

/** Reading the header of a frame cut by {@link MessageFrameDecoder}, without moving its indexes. */
public final class Frames {

    /** Bytes before the body: the type byte and the length. */
    public static final int HEADER_LENGTH = 5;

    private Frames() {
    }

    public static byte type(ByteBuf frame) {
        return frame.getByte(frame.readerIndex());
    }

    /** A slice of the body (no copy, not retained). */
    public static ByteBuf body(ByteBuf frame) {
        return frame.slice(frame.readerIndex() + HEADER_LENGTH, frame.readableBytes() - HEADER_LENGTH);
    }

    /** Starts a message: writes the type and a length placeholder; returns where the length goes. */
    public static int begin(ByteBuf out, byte type) {
        out.writeByte(type);
        int lengthIndex = out.writerIndex();
        out.writeInt(0);
        return lengthIndex;
    }

    /** Ends a message started with {@link #begin}: the length is written after the body. */
    public static void end(ByteBuf out, int lengthIndex) {
        out.setInt(lengthIndex, out.writerIndex() - lengthIndex);
    }

    /** Printable message type, for logs. */
    public static String typeName(byte type) {
        return Character.isLetterOrDigit(type) ? String.valueOf((char) type) : String.format("0x%02x", type);
    }
}
