package io.pgwarden.pool;

/** pgwarden is shutting down. */
public class PoolClosedException extends Exception {

    public PoolClosedException() {
        super("pgwarden is shutting down", null, false, false);
    }
}
