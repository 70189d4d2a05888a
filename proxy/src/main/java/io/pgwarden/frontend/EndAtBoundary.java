package io.pgwarden.frontend;

import io.pgwarden.protocol.TransactionStatus;

/**
 * When a client that must go (its grant was revoked, its database removed, pgwarden drains) is
 * ended: never inside a transaction. The decision alone, apart from its effects in
 * {@link PooledClient} and {@link SessionLink}.
 */
final class EndAtBoundary {

    enum When {
        /** It holds no transaction: end it now. */
        NOW,
        /** Transaction mode: its first message waits for a server; end it when that transaction's lease ends. */
        AT_LEASE_END,
        /**
         * It holds a server: end it once the server is idle outside a transaction with nothing of the
         * client's in flight (in transaction mode its lease usually ends there anyway; not a pinned one's).
         */
        WHEN_SERVER_IDLE
    }

    /** What a move's move_timeout does to a client that holds a server of the old location. */
    enum AtMoveTimeout {
        /** Transaction mode, not pinned, its transaction just over: the lease ends by itself, the client goes on. */
        LEAVE,
        /** Idle outside a transaction (a session-mode or pinned client): ended at this boundary, now. */
        END_AT_BOUNDARY,
        /** Inside a transaction or a request: a straggler, ended now; PostgreSQL rolls its transaction back. */
        END_NOW
    }

    private EndAtBoundary() {
    }

    /** On the server's loop, at a move's move_timeout. */
    static AtMoveTimeout atMoveTimeout(boolean transactionMode, boolean pinned, boolean atRequestBoundary,
                                       TransactionStatus status) {
        if (!sessionIdle(atRequestBoundary, status)) {
            return AtMoveTimeout.END_NOW;
        }
        return transactionMode && !pinned ? AtMoveTimeout.LEAVE : AtMoveTimeout.END_AT_BOUNDARY;
    }

    static When when(PooledClient.State state, boolean transactionMode) {
        return switch (state) {
            // before ReadyForQuery nothing of the client's has run; between transactions nothing runs
            case LOGGING_IN, IDLE, CLOSED -> When.NOW;
            case ACQUIRING, DRAINING -> When.AT_LEASE_END;
            case ATTACHED -> When.WHEN_SERVER_IDLE;
        };
    }

    /** On the server's loop: every request answered and no transaction open. */
    static boolean sessionIdle(boolean atRequestBoundary, TransactionStatus status) {
        return atRequestBoundary && status == TransactionStatus.IDLE;
    }
}
