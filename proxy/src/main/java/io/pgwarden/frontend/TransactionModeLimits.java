package io.pgwarden.frontend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.protocol.Frames;

/**
 * What cannot work when a client's transactions run on different server connections, refused
 * clearly instead of silently losing it: LISTEN with pinning off (notifications would go to
 * whichever server ran the LISTEN), and a statement that would pin one client more than max_pinned.
 * The refusal is a statement that makes PostgreSQL itself raise the error, so the transaction state
 * the client sees is exactly PostgreSQL's.
 */
final class TransactionModeLimits {

    static final String LISTEN_REFUSAL = "DO $pgwarden$ BEGIN RAISE EXCEPTION USING ERRCODE = '0A000', "
            + "MESSAGE = 'LISTEN is not supported in transaction pooling mode', "
            + "HINT = 'Notifications would be lost between transactions. Use a database with pool_mode: session for listeners.'; "
            + "END $pgwarden$";

    private TransactionModeLimits() {
    }

    /**
     * max_pinned clients of {@code database} are pinned already: 53400 (configuration_limit_exceeded),
     * an ERROR the client can retry, not a FATAL; it names the limit, unlike 53300, which drivers and
     * pools read as "the server has too many connections" at connect time.
     */
    static String maxPinnedRefusal(String database, int maxPinned, int reasons) {
        String message = "too many clients pinned to their server connections: database \"" + database + "\" allows "
                + maxPinned + " (max_pinned)";
        String detail = "The statement creates session state (" + io.pgwarden.pool.PinReason.labels(reasons)
                + ") that would keep this client on one server connection between transactions.";
        String hint = "Retry when other clients have ended their session state, keep the state inside one transaction "
                + "(SET LOCAL, ON COMMIT DROP, pg_advisory_xact_lock), or raise max_pinned.";
        return "DO $pgwarden$ BEGIN RAISE EXCEPTION USING ERRCODE = '53400', MESSAGE = " + literal(message)
                + ", DETAIL = " + literal(detail) + ", HINT = " + literal(hint) + "; END $pgwarden$";
    }

    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
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
