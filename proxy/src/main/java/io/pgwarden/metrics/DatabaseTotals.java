package io.pgwarden.metrics;

/**
 * Totals of one database since start, as SHOW STATS reports them (times in microseconds).
 *
 * @param serverAssignments times a waiting client got a server connection
 * @param bytesReceived     bytes from clients
 * @param bytesSent         bytes to clients
 */
public record DatabaseTotals(
        long serverAssignments,
        long transactions,
        long queries,
        long bytesReceived,
        long bytesSent,
        long transactionMicros,
        long queryMicros,
        long waitMicros) {

    public static final DatabaseTotals ZERO = new DatabaseTotals(0, 0, 0, 0, 0, 0, 0, 0);

    /** {@code this - earlier}, for averages over a period. */
    public DatabaseTotals minus(DatabaseTotals earlier) {
        return new DatabaseTotals(
                serverAssignments - earlier.serverAssignments,
                transactions - earlier.transactions,
                queries - earlier.queries,
                bytesReceived - earlier.bytesReceived,
                bytesSent - earlier.bytesSent,
                transactionMicros - earlier.transactionMicros,
                queryMicros - earlier.queryMicros,
                waitMicros - earlier.waitMicros);
    }
}
