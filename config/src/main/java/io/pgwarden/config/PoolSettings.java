package io.pgwarden.config;

import java.time.Duration;

/**
 * Pool behaviour for one database. The {@code pool:} section sets defaults for every database;
 * each database may override any key.
 *
 * @param mode                 session (transaction arrives later)
 * @param size                 max server connections for the database
 * @param minIdle              server connections kept open and idle
 * @param queryWaitTimeout     how long a client waits for a server connection before 53300
 * @param serverIdleTimeout    idle server connections older than this are closed
 * @param serverLifetime       server connections are retired after this
 * @param serverConnectTimeout connect + login to the backend must finish within this
 * @param resetQuery           run when a client gives its server connection back
 */
public record PoolSettings(
        PoolMode mode,
        int size,
        int minIdle,
        Duration queryWaitTimeout,
        Duration serverIdleTimeout,
        Duration serverLifetime,
        Duration serverConnectTimeout,
        String resetQuery) {

    public static final PoolSettings DEFAULTS = new PoolSettings(
            PoolMode.SESSION, 20, 0,
            Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofHours(1), Duration.ofSeconds(5),
            "DISCARD ALL");
}
