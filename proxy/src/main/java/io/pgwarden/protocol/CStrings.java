package io.pgwarden.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.nio.charset.StandardCharsets;

/** NUL-terminated UTF-8 strings, the protocol's only string encoding. */
public final class CStrings {

    private CStrings() {
    }

    /** Reads up to the next NUL and skips it. */
    public static String read(ByteBuf in) {
        int end = end(in, in.readerIndex());
        String value = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.UTF_8);
        in.readerIndex(end + 1);
        return value;
    }

    /** The index of the NUL ending the string that starts at {@code from}; nothing is read or decoded. */
    public static int end(ByteBuf in, int from) {
        int end = in.indexOf(from, in.writerIndex(), (byte) 0);
        if (end < 0) {
            throw new ProtocolException("string is not NUL-terminated");
        }
        return end;
    }

    public static void write(ByteBuf out, String value) {
        ByteBufUtil.writeUtf8(out, value);
        out.writeByte(0);
    }
}
