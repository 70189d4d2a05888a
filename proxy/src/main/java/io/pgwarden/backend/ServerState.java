package io.pgwarden.backend;

/** Where a server connection is in its life; changed only by its pool. */
public enum ServerState {
    /** In the pool, free. */
    IDLE,
    /** Given to a client. */
    LEASED,
    /** Given back; pgwarden is rolling back and resetting it. */
    RESETTING,
    /** Gone: closed, or found broken. */
    CLOSED
}
