package io.pgwarden.backend;

import io.pgwarden.protocol.backend.BackendMessages;

/**
 * The requests written to a server whose responses have not all come back, oldest first: how
 * pgwarden knows which response answers what, which ones it must hide (its own re-prepares and
 * settings), and where to slot in the ones it answers itself. A ring buffer of kinds and payloads:
 * nothing is allocated per message. Used on the server connection's event loop only.
 */
public final class PendingResponses {

    /** What a pending request is, and so which response completes it. */
    public enum Kind {
        /** A client's Parse, forwarded under pgwarden's name. */
        PARSE(Visibility.FORWARDED, true),
        /** pgwarden prepares a statement the client named but this server lacks: hide the ParseComplete. */
        PARSE_HIDDEN(Visibility.HIDDEN, true),
        /** A client's Parse of a statement this server already has: pgwarden answers ParseComplete. */
        PARSE_ANSWERED(Visibility.ANSWERED, true),
        BIND(Visibility.FORWARDED, true),
        DESCRIBE_STATEMENT(Visibility.FORWARDED, true),
        DESCRIBE_PORTAL(Visibility.FORWARDED, true),
        EXECUTE(Visibility.FORWARDED, true),
        CLOSE(Visibility.FORWARDED, true),
        /** pgwarden closes a statement evicted from this server's cache: hide the CloseComplete. */
        CLOSE_HIDDEN(Visibility.HIDDEN, true),
        /** A client's Close of a statement: pgwarden answers CloseComplete itself. */
        CLOSE_ANSWERED(Visibility.ANSWERED, true),
        /**
         * A request pgwarden refuses itself as PostgreSQL would (a Bind of a statement whose plan
         * changed result type): the payload is the ErrorResponse, sent in its place among the responses.
         */
        ERROR_ANSWERED(Visibility.ANSWERED, true),
        SYNC(Visibility.FORWARDED, false),
        /**
         * A message PostgreSQL will refuse (a Flush with a body): its ErrorResponse is its only
         * answer, and PostgreSQL skips to the next Sync after it.
         */
        REFUSED(Visibility.FORWARDED, true),
        QUERY(Visibility.FORWARDED, false),
        FUNCTION_CALL(Visibility.FORWARDED, false),
        /** pgwarden's own simple query (settings): hide everything up to and with its ReadyForQuery. */
        QUERY_HIDDEN(Visibility.HIDDEN, false);

        private final Visibility visibility;
        private final boolean extended;

        Kind(Visibility visibility, boolean extended) {
            this.visibility = visibility;
            this.extended = extended;
        }

        public boolean hidden() {
            return visibility == Visibility.HIDDEN;
        }

        public boolean answered() {
            return visibility == Visibility.ANSWERED;
        }

        /** Extended-protocol requests: after an error the server skips them up to the next Sync. */
        public boolean extended() {
            return extended;
        }

        /** The response pgwarden sends for an {@link #answered()} kind. */
        public byte answer() {
            return this == PARSE_ANSWERED ? BackendMessages.PARSE_COMPLETE : BackendMessages.CLOSE_COMPLETE;
        }

        /** True when a response of {@code type} is the last one for this request. */
        public boolean completedBy(byte type) {
            return switch (this) {
                case PARSE, PARSE_HIDDEN, PARSE_ANSWERED -> type == BackendMessages.PARSE_COMPLETE;
                case BIND -> type == BackendMessages.BIND_COMPLETE;
                case DESCRIBE_STATEMENT, DESCRIBE_PORTAL -> type == BackendMessages.ROW_DESCRIPTION || type == BackendMessages.NO_DATA;
                case EXECUTE -> type == BackendMessages.COMMAND_COMPLETE || type == BackendMessages.EMPTY_QUERY_RESPONSE
                        || type == BackendMessages.PORTAL_SUSPENDED;
                case CLOSE, CLOSE_HIDDEN, CLOSE_ANSWERED -> type == BackendMessages.CLOSE_COMPLETE;
                case SYNC, QUERY, FUNCTION_CALL, QUERY_HIDDEN -> type == BackendMessages.READY_FOR_QUERY;
                case REFUSED -> false; // ended by its error, and the skip to Sync after it
                case ERROR_ANSWERED -> false; // pgwarden answers it
            };
        }
    }

    private enum Visibility { FORWARDED, HIDDEN, ANSWERED }

    private Kind[] kinds = new Kind[16];
    private Object[] payloads = new Object[16];
    private int head;
    private int size;
    /** The place the next entry takes in the sequence of requests (removing one from the middle closes its gap). */
    private long tailPlace;

    public boolean isEmpty() {
        return size == 0;
    }

    public int size() {
        return size;
    }

    public void add(Kind kind, Object payload) {
        if (size == kinds.length) {
            grow();
        }
        int tail = (head + size) & (kinds.length - 1);
        kinds[tail] = kind;
        payloads[tail] = payload;
        size++;
        tailPlace++;
    }

    /** The place the next entry will take: a mark between the requests sent so far and those after. */
    public long tailPlace() {
        return tailPlace;
    }

    /** The place of the oldest pending entry. */
    public long headPlace() {
        return tailPlace - size;
    }

    /** The oldest pending kind, or null. */
    public Kind peekKind() {
        return size == 0 ? null : kinds[head];
    }

    public Object peekPayload() {
        return size == 0 ? null : payloads[head];
    }

    public void remove() {
        kinds[head] = null;
        payloads[head] = null;
        head = (head + 1) & (kinds.length - 1);
        size--;
    }

    /**
     * Removes up to {@code max} entries of {@code kind} that directly follow the oldest one (the
     * Syncs PostgreSQL ignores once a COPY FROM STDIN has begun); returns how many went.
     */
    public int removeFollowing(Kind kind, int max) {
        int first = 1;
        int count = Math.min(max, countFollowing(kind));
        if (count <= 0) {
            return 0;
        }
        int mask = kinds.length - 1;
        for (int i = first; i + count < size; i++) {
            kinds[(head + i) & mask] = kinds[(head + i + count) & mask];
            payloads[(head + i) & mask] = payloads[(head + i + count) & mask];
        }
        for (int i = size - count; i < size; i++) {
            kinds[(head + i) & mask] = null;
            payloads[(head + i) & mask] = null;
        }
        size -= count;
        tailPlace -= count;
        return count;
    }

    /** How many entries of {@code kind} directly follow the oldest one. */
    public int countFollowing(Kind kind) {
        int count = 0;
        while (1 + count < size && kinds[(head + 1 + count) & (kinds.length - 1)] == kind) {
            count++;
        }
        return count;
    }

    public void clear() {
        while (size > 0) {
            remove();
        }
    }

    private void grow() {
        Kind[] newKinds = new Kind[kinds.length * 2];
        Object[] newPayloads = new Object[kinds.length * 2];
        for (int i = 0; i < size; i++) {
            newKinds[i] = kinds[(head + i) & (kinds.length - 1)];
            newPayloads[i] = payloads[(head + i) & (kinds.length - 1)];
        }
        kinds = newKinds;
        payloads = newPayloads;
        head = 0;
    }
}
