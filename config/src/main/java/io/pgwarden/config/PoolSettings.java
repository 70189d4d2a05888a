package io.pgwarden.config;

import java.time.Duration;

/**
 * Pool behaviour for one database. The {@code pool:} section sets defaults for every database;
 * each database may override any key. A zero duration means "never" where noted.
 *
 * @param mode                       session or transaction pooling
 * @param size                       max server connections for the database
 * @param minIdle                    server connections kept open and idle
 * @param queryWaitTimeout           how long a client waits for a server connection before 53300
 * @param serverIdleTimeout          idle server connections older than this are closed (0: never)
 * @param serverLifetime             server connections are retired after this (0: never)
 * @param serverConnectTimeout       connect + login to the backend must finish within this
 * @param resetQuery                 run when a session-mode client gives its server connection back
 * @param queryTimeout               a query running longer is cancelled, the client gets 57014 (0: never)
 * @param idleTransactionTimeout     a transaction-mode client that keeps a server waiting on it longer (idle
 *                                   in a transaction, an unsynced extended query, a COPY awaiting data)
 *                                   is disconnected (0: never)
 * @param clientIdleTimeout          a client idle outside a transaction longer is disconnected (0: never)
 * @param preparedStatementCacheSize named statements kept prepared per server connection (transaction mode)
 * @param minConnections             server connections guaranteed to the database (while it has demand) out
 *                                   of its instance's budget
 * @param weight                     its claim on the instance's budget relative to other databases
 * @param maxClientConnections       client connections to the database at once (0: no limit)
 * @param reservePool                extra server connections beyond pool_size for clients that waited
 *                                   reserve_pool_timeout (still inside the instance budget)
 * @param reservePoolTimeout         how long a client waits before the reserve may be used
 * @param pinning                    transaction mode: keep a client on its server while it holds session state
 * @param maxPinned                  clients of the database pinned at once; a statement that would pin one more
 *                                   is refused (53400). {@link #UNSET_MAX_PINNED}: half of pool_size, rounded up
 * @param pinnedIdleTimeout          a pinned client idle outside a transaction longer is disconnected (0: never)
 * @param moveTimeout                a reload moved the database (another backend or dbname): how long its
 *                                   clients' open transactions, session-mode clients and pinned clients may stay on
 *                                   the old location before they are ended (57P01) and the move completes
 */
public record PoolSettings(
        PoolMode mode,
        int size,
        int minIdle,
        Duration queryWaitTimeout,
        Duration serverIdleTimeout,
        Duration serverLifetime,
        Duration serverConnectTimeout,
        String resetQuery,
        Duration queryTimeout,
        Duration idleTransactionTimeout,
        Duration clientIdleTimeout,
        int preparedStatementCacheSize,
        int minConnections,
        int weight,
        int maxClientConnections,
        int reservePool,
        Duration reservePoolTimeout,
        Pinning pinning,
        int maxPinned,
        Duration pinnedIdleTimeout,
        Duration moveTimeout) {

    /** max_pinned not set: it follows pool_size (see {@link #maxPinnedClients()}). */
    public static final int UNSET_MAX_PINNED = -1;

    public static final PoolSettings DEFAULTS = new PoolSettings(
            PoolMode.SESSION, 20, 0,
            Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofHours(1), Duration.ofSeconds(5),
            "DISCARD ALL",
            // every state in which a client holds a server ends: a transaction-mode client idle inside
            // a transaction longer than 5 minutes is disconnected unless configured otherwise
            Duration.ZERO, Duration.ofMinutes(5), Duration.ZERO, 250,
            0, 1, 0, 0, Duration.ofSeconds(5),
            // a pinned client holds a server while idle: half the pool at most, and not for ever
            Pinning.AUTO, UNSET_MAX_PINNED, Duration.ofMinutes(10),
            // a move holds new transactions while the old location empties: long enough for ordinary
            // transactions to finish, short enough that held clients' drivers do not time out first
            Duration.ofSeconds(30));

    /** Clients that may be pinned at once: max_pinned, or half of pool_size (rounded up) when it is not set. */
    public int maxPinnedClients() {
        return maxPinned == UNSET_MAX_PINNED ? (size + 1) / 2 : maxPinned;
    }
}
