package io.pgwarden.pool;

/**
 * A snapshot of one pool.
 *
 * @param open    server connections open or being opened
 * @param leased  given to clients (or being reset)
 * @param idle    free in the pool
 * @param waiting clients waiting for one
 */
public record PoolStats(String database, int open, int leased, int idle, int waiting) {
}
