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
        /** Transaction mode: a transaction runs (or its first message waits for a server); end it when its lease ends. */
        AT_LEASE_END,
        /** Session mode: end it once its server is idle outside a transaction with nothing of the client's in flight. */
        WHEN_SESSION_IDLE
    }

    private EndAtBoundary() {
    }

    static When when(PooledClient.State state, boolean transactionMode) {
        return switch (state) {
            // before ReadyForQuery nothing of the client's has run; between transactions nothing runs
            case LOGGING_IN, IDLE, CLOSED -> When.NOW;
            case ACQUIRING, DRAINING -> When.AT_LEASE_END;
            case ATTACHED -> transactionMode ? When.AT_LEASE_END : When.WHEN_SESSION_IDLE;
        };
    }

    /** Session mode, on the server's loop: every request answered and no transaction open. */
    static boolean sessionIdle(boolean atRequestBoundary, TransactionStatus status) {
        return atRequestBoundary && status == TransactionStatus.IDLE;
    }
}
