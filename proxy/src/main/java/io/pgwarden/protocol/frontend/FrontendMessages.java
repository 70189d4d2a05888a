package io.pgwarden.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgwarden.protocol.CStrings;
import io.pgwarden.protocol.Frames;

/**
 * Type bytes of the typed messages a client sends, and the few pgwarden writes itself
 * (Query for resets and settings, Terminate, password responses to a backend).
 */
public final class FrontendMessages {

    public static final byte BIND = 'B';
    public static final byte CLOSE = 'C';
    public static final byte COPY_DATA = 'd';
    public static final byte COPY_DONE = 'c';
    public static final byte COPY_FAIL = 'f';
    public static final byte DESCRIBE = 'D';
    public static final byte EXECUTE = 'E';
    public static final byte FLUSH = 'H';
    public static final byte FUNCTION_CALL = 'F';
    public static final byte PARSE = 'P';
    /** PasswordMessage, SASLInitialResponse and SASLResponse share this type. */
    public static final byte PASSWORD = 'p';
    public static final byte QUERY = 'Q';
    public static final byte SYNC = 'S';
    public static final byte TERMINATE = 'X';

    private FrontendMessages() {
    }

    /** A type PostgreSQL accepts once the session has begun; on any other it ends the connection (FATAL 08P01). */
    public static boolean isSessionMessage(byte type) {
        return switch (type) {
            case BIND, CLOSE, COPY_DATA, COPY_DONE, COPY_FAIL, DESCRIBE, EXECUTE, FLUSH, FUNCTION_CALL, PARSE, QUERY, SYNC, TERMINATE -> true;
            default -> false;
        };
    }

    public static ByteBuf query(ByteBufAllocator alloc, String sql) {
        ByteBuf out = alloc.buffer(sql.length() + 6);
        int length = Frames.begin(out, QUERY);
        CStrings.write(out, sql);
        Frames.end(out, length);
        return out;
    }

    public static ByteBuf terminate(ByteBufAllocator alloc) {
        return alloc.buffer(5).writeByte(TERMINATE).writeInt(4);
    }

    /** PasswordMessage with a cleartext password or an md5 response. */
    public static ByteBuf password(ByteBufAllocator alloc, String password) {
        ByteBuf out = alloc.buffer();
        int length = Frames.begin(out, PASSWORD);
        CStrings.write(out, password);
        Frames.end(out, length);
        return out;
    }

    public static ByteBuf saslInitialResponse(ByteBufAllocator alloc, String mechanism, byte[] data) {
        ByteBuf out = alloc.buffer();
        int length = Frames.begin(out, PASSWORD);
        CStrings.write(out, mechanism);
        out.writeInt(data.length).writeBytes(data);
        Frames.end(out, length);
        return out;
    }

    public static ByteBuf saslResponse(ByteBufAllocator alloc, byte[] data) {
        ByteBuf out = alloc.buffer(5 + data.length);
        int length = Frames.begin(out, PASSWORD);
        out.writeBytes(data);
        Frames.end(out, length);
        return out;
    }
}
