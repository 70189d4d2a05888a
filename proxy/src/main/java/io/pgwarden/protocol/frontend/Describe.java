package io.pgwarden.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgwarden.protocol.CStrings;
import io.pgwarden.protocol.Frames;
import io.pgwarden.protocol.ProtocolException;

/**
 * Describe ('D') and Close ('C') share a shape: a kind ('S' statement or 'P' portal) and a name.
 *
 * @param type the message type, {@link FrontendMessages#DESCRIBE} or {@link FrontendMessages#CLOSE}
 */
public record Describe(byte type, byte kind, String name) {

    public static final byte STATEMENT = 'S';
    public static final byte PORTAL = 'P';

    public static Describe decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        if (!body.isReadable()) {
            throw new ProtocolException("no data left in message"); // PostgreSQL's words for the missing kind
        }
        byte kind = body.readByte();
        return new Describe(Frames.type(frame), kind, CStrings.read(body));
    }

    public boolean isStatement() {
        return kind == STATEMENT;
    }

    public ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(Frames.HEADER_LENGTH + name.length() + 2);
        int length = Frames.begin(out, type);
        out.writeByte(kind);
        CStrings.write(out, name);
        Frames.end(out, length);
        return out;
    }

    /** The same message naming {@code name} instead. */
    public Describe renamed(String name) {
        return new Describe(type, kind, name);
    }

    /** A Close of statement {@code name}. */
    public static Describe closeStatement(String name) {
        return new Describe(FrontendMessages.CLOSE, STATEMENT, name);
    }
}
