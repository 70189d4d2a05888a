package io.pgwarden.frontend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.protocol.Frames;

/**
 * What cannot work when a client's transactions run on different server connections, refused
 * clearly instead of silently losing it: LISTEN (notifications would go to whichever server ran the
 * LISTEN). The refusal is a statement that makes PostgreSQL itself raise the error, so the
 * transaction state the client sees is exactly PostgreSQL's.
 */
final class TransactionModeLimits {

    static final String LISTEN_REFUSAL = "DO $pgwarden$ BEGIN RAISE EXCEPTION USING ERRCODE = '0A000', "
            + "MESSAGE = 'LISTEN is not supported in transaction pooling mode', "
            + "HINT = 'Notifications would be lost between transactions. Use a database with pool_mode: session for listeners.'; "
            + "END $pgwarden$";

    private TransactionModeLimits() {
    }

    /** True when the query text starts with LISTEN (after white space); reads bytes, allocates nothing. */
    static boolean isListen(ByteBuf buf, int from, int to) {
        return startsWithKeyword(buf, from, to, "LISTEN");
    }

    /** The query text of a Query frame: from after the header to before its NUL. */
    static boolean queryIsListen(ByteBuf frame) {
        int from = frame.readerIndex() + Frames.HEADER_LENGTH;
        return isListen(frame, from, frame.writerIndex());
    }


    private static boolean startsWithKeyword(ByteBuf buf, int from, int to, String keyword) {
        int i = from;
        while (i < to && Character.isWhitespace(buf.getByte(i))) {
            i++;
        }
        if (to - i < keyword.length()) {
            return false;
        }
        for (int k = 0; k < keyword.length(); k++) {
            if (Character.toUpperCase((char) buf.getByte(i + k)) != keyword.charAt(k)) {
                return false;
            }
        }
        int after = i + keyword.length();
        return after >= to || !Character.isLetterOrDigit(buf.getByte(after)) && buf.getByte(after) != '_';
    }
}
