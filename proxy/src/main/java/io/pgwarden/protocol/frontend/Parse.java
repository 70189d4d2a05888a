package io.pgwarden.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgwarden.protocol.CStrings;
import io.pgwarden.protocol.Frames;

/**
 * Parse ('P'): a statement name and its definition — the query text and parameter types, kept as
 * raw bytes ({@code definition}, a slice of the frame, not retained) since pgwarden only renames.
 */
public record Parse(String statement, ByteBuf definition) {

    public static Parse decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        String statement = CStrings.read(body);
        return new Parse(statement, body.slice(body.readerIndex(), body.readableBytes()));
    }

    /** The query text at the start of a definition. */
    public static String query(ByteBuf definition) {
        return CStrings.read(definition.duplicate());
    }

    /** A Parse of {@code definition} under another name. */
    public static ByteBuf encode(ByteBufAllocator alloc, String statement, ByteBuf definition) {
        ByteBuf out = alloc.buffer(Frames.HEADER_LENGTH + statement.length() + 1 + definition.readableBytes());
        int length = Frames.begin(out, FrontendMessages.PARSE);
        CStrings.write(out, statement);
        out.writeBytes(definition, definition.readerIndex(), definition.readableBytes());
        Frames.end(out, length);
        return out;
    }

    /** A Parse of {@code query} with no parameter types. */
    public static ByteBuf encode(ByteBufAllocator alloc, String statement, String query) {
        ByteBuf out = alloc.buffer();
        int length = Frames.begin(out, FrontendMessages.PARSE);
        CStrings.write(out, statement);
        CStrings.write(out, query);
        out.writeShort(0);
        Frames.end(out, length);
        return out;
    }
}
