package io.pgwarden.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.pgwarden.protocol.CStrings;
import io.pgwarden.protocol.Frames;

import java.nio.charset.StandardCharsets;

/**
 * Bind ('B'): only the portal and statement names are read; the parameters are forwarded as the
 * client sent them, never copied.
 */
public final class Bind {

    private Bind() {
    }

    /** The statement name: the only string decoded (the portal is skipped by index). */
    public static String statement(ByteBuf frame) {
        int start = CStrings.end(frame, portalStart(frame)) + 1;
        return frame.toString(start, CStrings.end(frame, start) - start, StandardCharsets.UTF_8);
    }

    /**
     * The same Bind naming another statement: a new header, the portal name's bytes and the new name,
     * then a retained slice of the original parameters. Nothing of the client's is decoded again or
     * copied but the portal name. Consumes {@code frame}.
     */
    public static ByteBuf withStatement(ByteBufAllocator alloc, ByteBuf frame, String statement) {
        int portalStart = portalStart(frame);
        int portalLength = CStrings.end(frame, portalStart) + 1 - portalStart; // with its NUL
        int restStart = CStrings.end(frame, portalStart + portalLength) + 1;
        int restLength = frame.writerIndex() - restStart;
        ByteBuf head = alloc.buffer(Frames.HEADER_LENGTH + portalLength + ByteBufUtil.utf8MaxBytes(statement) + 1);
        head.writeByte(FrontendMessages.BIND).writeInt(0);
        head.writeBytes(frame, portalStart, portalLength);
        CStrings.write(head, statement);
        head.setInt(1, head.readableBytes() - 1 + restLength);
        // explicit indexes: a pooled slice's no-argument retainedSlice() spans its whole capacity
        ByteBuf rest = frame.retainedSlice(restStart, restLength);
        frame.release();
        CompositeByteBuf out = alloc.compositeBuffer(2);
        out.addComponents(true, head, rest);
        return out;
    }

    private static int portalStart(ByteBuf frame) {
        return frame.readerIndex() + Frames.HEADER_LENGTH;
    }
}
