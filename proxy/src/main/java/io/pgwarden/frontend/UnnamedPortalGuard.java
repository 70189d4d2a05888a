package io.pgwarden.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgwarden.protocol.Frames;
import io.pgwarden.protocol.frontend.FrontendMessages;

import java.nio.charset.StandardCharsets;

/**
 * Keeps one client from crashing the whole instance. PostgreSQL (16.9, 17.2, 17.6) dies of SIGSEGV (and restarts
 * with every database on it) on an Execute of the unnamed portal that a failed simple-query COPY
 * left in an aborted transaction, once another simple Query has come in between: the portal's
 * statements lived in memory that Query reused. By the protocol a simple Query destroys the
 * unnamed portal, so an Execute of it before the next Bind can only fail with 34000. Such an
 * Execute goes to PostgreSQL under a portal name no client can have bound, and PostgreSQL answers
 * that 34000 itself, with its skip to Sync and its failed transaction, without touching the stale
 * portal. Per client, on its own event loop; one byte compared per message.
 */
final class UnnamedPortalGuard {

    /** Starts with a NUL-free byte no driver names a portal with, and says why it is there. */
    static final String STAND_IN = "(unnamed portal: none bound since the last simple Query)";
    private static final byte[] STAND_IN_BYTES = STAND_IN.getBytes(StandardCharsets.UTF_8);

    private boolean unnamedPortalBound;

    /** The frame to forward in place of {@code frame}: itself, or a stand-in (then {@code frame} is released). */
    ByteBuf screen(ByteBuf frame, ByteBufAllocator alloc) {
        byte type = Frames.type(frame);
        if (type == FrontendMessages.QUERY) {
            unnamedPortalBound = false;
        } else if (type == FrontendMessages.BIND && namesTheUnnamedPortal(frame)) {
            unnamedPortalBound = true;
        } else if (type == FrontendMessages.EXECUTE && !unnamedPortalBound && namesTheUnnamedPortal(frame)) {
            return standIn(frame, alloc);
        }
        return frame;
    }

    /** The portal name comes first in Bind and Execute: empty is the unnamed portal. A body too short is left to PostgreSQL's 08P01. */
    private static boolean namesTheUnnamedPortal(ByteBuf frame) {
        return frame.readableBytes() > Frames.HEADER_LENGTH && frame.getByte(frame.readerIndex() + Frames.HEADER_LENGTH) == 0;
    }

    /** The same Execute (its row limit and any trailing bytes kept) under the stand-in name. */
    private static ByteBuf standIn(ByteBuf execute, ByteBufAllocator alloc) {
        int rest = execute.readableBytes() - Frames.HEADER_LENGTH - 1; // after the empty name's NUL
        ByteBuf out = alloc.buffer(Frames.HEADER_LENGTH + STAND_IN_BYTES.length + 1 + rest);
        int length = Frames.begin(out, FrontendMessages.EXECUTE);
        out.writeBytes(STAND_IN_BYTES).writeByte(0);
        out.writeBytes(execute, execute.readerIndex() + Frames.HEADER_LENGTH + 1, rest);
        Frames.end(out, length);
        execute.release();
        return out;
    }
}
