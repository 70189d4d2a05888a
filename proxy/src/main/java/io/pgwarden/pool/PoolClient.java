package io.pgwarden.pool;

import io.pgwarden.admin.ConnectionInfo;

/** A client session of a pool, as the admin console sees it and KILL ends it. */
public interface PoolClient {

    /** A snapshot for SHOW CLIENTS. */
    ConnectionInfo describe();

    /** Ends the session now with a FATAL error (KILL, shutdown). */
    void kill(String message);

    /** SHOW SERVERS' row for a server connection of the client's own (a replication client's); null for none. */
    default ConnectionInfo describeOwnServer() {
        return null;
    }

    /** The service it logged in as. */
    String service();

    /**
     * Ends the session with a FATAL {@code sqlState} {@code message} at its next transaction
     * boundary (now if it is between transactions), never inside a transaction. Any thread.
     */
    void endAtBoundary(String sqlState, String message);

    /**
     * A move of its database passed move_timeout: if the client still holds a server of the old
     * location, it is ended with a FATAL {@code sqlState} {@code message} now: at a transaction
     * boundary (a session-mode or pinned client between transactions), or inside a transaction (a
     * straggler; PostgreSQL rolls it back). {@code ended} runs, on some event loop, when it is ended.
     * A client that holds no server (transaction mode between transactions, or held by the move)
     * is left alone: it goes on at the new location. Any thread.
     */
    void endOnOldLocation(String sqlState, String message, Runnable ended);
}
