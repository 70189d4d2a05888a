package io.pgwarden.pool;

import io.pgwarden.admin.ConnectionInfo;

/** A client session of a pool, as the admin console sees it and KILL ends it. */
public interface PoolClient {

    /** A snapshot for SHOW CLIENTS. */
    ConnectionInfo describe();

    /** Ends the session now with a FATAL error (KILL, shutdown). */
    void kill(String message);

    /** The service it logged in as. */
    String service();

    /**
     * Ends the session with a FATAL {@code sqlState} {@code message} at its next transaction
     * boundary (now if it is between transactions), never inside a transaction. Any thread.
     */
    void endAtBoundary(String sqlState, String message);
}
