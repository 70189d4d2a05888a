package io.pgwarden.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.pgwarden.protocol.CStrings;
import io.pgwarden.protocol.Frames;

/**
 * Bind ('B'): only the portal and statement names are read; the parameters are forwarded as the
 * client sent them, never copied.
 */
public final class Bind {

    private Bind() {
    }

    public static String statement(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        CStrings.read(body); // portal
        return CStrings.read(body);
    }

    /**
     * The same Bind naming another statement: a new header and names, then a retained slice of the
     * original parameters. Consumes {@code frame}.
     */
    public static ByteBuf withStatement(ByteBufAllocator alloc, ByteBuf frame, String statement) {
        ByteBuf body = Frames.body(frame);
        String portal = CStrings.read(body);
        CStrings.read(body);
        int restLength = body.readableBytes();
        ByteBuf head = alloc.buffer(Frames.HEADER_LENGTH + portal.length() + statement.length() + 2);
        head.writeByte(FrontendMessages.BIND).writeInt(0);
        CStrings.write(head, portal);
        CStrings.write(head, statement);
        head.setInt(1, head.readableBytes() - 1 + restLength);
        // explicit indexes: a pooled slice's no-argument retainedSlice() spans its whole capacity
        ByteBuf rest = body.retainedSlice(body.readerIndex(), restLength);
        frame.release();
        CompositeByteBuf out = alloc.compositeBuffer(2);
        out.addComponents(true, head, rest);
        return out;
    }
}
