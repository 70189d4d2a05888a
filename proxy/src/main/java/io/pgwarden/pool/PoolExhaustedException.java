package io.pgwarden.pool;

/** A client waited query_wait_timeout and no server connection became free. */
public class PoolExhaustedException extends Exception {

    public PoolExhaustedException(String message) {
        super(message, null, false, false);
    }
}
