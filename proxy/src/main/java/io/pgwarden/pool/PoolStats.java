package io.pgwarden.pool;

/**
 * One pool's counts, read under its lock in one go: what SHOW POOLS, the gauges and tests see.
 *
 * @param open       server connections open or opening (what counts against pool_size)
 * @param idle       free in the pool
 * @param opening    logging in
 * @param resetting  being rolled back or reset before they are free again
 * @param waiting    clients waiting for a server
 * @param maxWaitNanos how long the longest waiter has waited
 * @param throttled  clients that waited for the instance budget rather than pool_size, ever
 * @param clients    client sessions of the pool
 */
public record PoolStats(int open, int idle, int opening, int resetting, int waiting, long maxWaitNanos, long throttled,
                  int clients) {

    /** Servers running a client's work: neither idle, nor logging in, nor being reset. */
    public int active() {
        return Math.max(0, open - idle - opening - resetting);
    }
}
