package io.pgwarden.metrics;

/**
 * The meters of one database, bound once when its pool is built: the forwarding code calls these
 * with no lookup per message. Calls may come from any event loop at once.
 *
 * <p>{@link #NONE} does nothing; {@code http.metrics: false} hands it out so the cost of the
 * meters can be measured against it.
 */
public interface DatabaseMeters {

    /**
     * A client's wait for a server connection ended, whether it got one or not.
     *
     * @param nanos    how long it waited
     * @param timedOut it waited query_wait_timeout and got none (the client is told 53300)
     */
    void clientWaitEnded(long nanos, boolean timedOut);

    /** A transaction ended (ReadyForQuery {@code I} after {@code T}/{@code E}, or an autocommit request). */
    void transactionCompleted(long nanos);

    /** A request ended with ReadyForQuery. */
    void queryCompleted(long nanos);

    /** Bytes read from the client and forwarded to the server; count per read batch, not per message. */
    void bytesClientToServer(long bytes);

    /** Bytes read from the server and forwarded to the client; count per read batch, not per message. */
    void bytesServerToClient(long bytes);

    /** PostgreSQL sent an ErrorResponse with this SQLSTATE (5 characters; only its class is kept). */
    void serverError(String sqlState);

    /** The counts so far, for the admin console's SHOW STATS. */
    DatabaseTotals totals();

    /**
     * A move of the database ended; {@code nanos}: how long it held new transactions (not recorded
     * when abandoned); {@code clientsEnded}: clients still on the old location at move_timeout, ended.
     */
    default void moveEnded(long nanos, MoveResult result, int clientsEnded) {
    }

    DatabaseMeters NONE = new DatabaseMeters() {
        @Override
        public void clientWaitEnded(long nanos, boolean timedOut) {
        }

        @Override
        public void transactionCompleted(long nanos) {
        }

        @Override
        public void queryCompleted(long nanos) {
        }

        @Override
        public void bytesClientToServer(long bytes) {
        }

        @Override
        public void bytesServerToClient(long bytes) {
        }

        @Override
        public void serverError(String sqlState) {
        }

        @Override
        public DatabaseTotals totals() {
            return DatabaseTotals.ZERO;
        }
    };
}
