package io.pgwarden.config;

import java.time.Duration;

/**
 * One PostgreSQL instance.
 *
 * @param adminUser     role used by provision (and later by load sampling)
 * @param adminPassword may be empty (trust or peer authentication)
 * @param adminDatabase database the admin connects to; default {@code postgres}
 * @param embedded      demo only: pgwarden starts an embedded PostgreSQL 17 on {@code host:port}
 * @param sampleInterval how often the instance sampler reads the backend's load with the admin
 *                      credentials; {@link Duration#ZERO} turns sampling off
 * @param maxConnections the instance budget: server connections pgwarden may hold on this instance
 *                      across all its databases; 0 reads it from the instance at start
 *                      (max_connections - superuser_reserved_connections - reserved_connections - headroom)
 * @param headroom       connections left free for admin and migration tools when the budget is read
 *                      from the instance
 * @param tls            TLS on every connection to this instance
 */
public record BackendConfig(
        String name,
        String host,
        int port,
        String adminUser,
        String adminPassword,
        String adminDatabase,
        boolean embedded,
        Duration sampleInterval,
        int maxConnections,
        int headroom,
        BackendTlsConfig tls) {

    public static final Duration DEFAULT_SAMPLE_INTERVAL = Duration.ofSeconds(10);
    public static final int DEFAULT_HEADROOM = 10;

    /** With the default {@code sample_interval} and budget; for code written before those keys existed. */
    public BackendConfig(String name, String host, int port, String adminUser, String adminPassword,
                         String adminDatabase, boolean embedded) {
        this(name, host, port, adminUser, adminPassword, adminDatabase, embedded, DEFAULT_SAMPLE_INTERVAL);
    }

    /** With the default budget (read from the instance). */
    public BackendConfig(String name, String host, int port, String adminUser, String adminPassword,
                         String adminDatabase, boolean embedded, Duration sampleInterval) {
        this(name, host, port, adminUser, adminPassword, adminDatabase, embedded, sampleInterval, 0, DEFAULT_HEADROOM);
    }

    /** With libpq's default TLS (prefer); for code written before {@code tls} existed. */
    public BackendConfig(String name, String host, int port, String adminUser, String adminPassword, String adminDatabase,
                         boolean embedded, Duration sampleInterval, int maxConnections, int headroom) {
        this(name, host, port, adminUser, adminPassword, adminDatabase, embedded, sampleInterval, maxConnections, headroom,
                BackendTlsConfig.DEFAULT);
    }

    /** The same backend, its admin connecting to {@code database} (provisioning inside a database: its schemas). */
    public BackendConfig withAdminDatabase(String database) {
        return new BackendConfig(name, host, port, adminUser, adminPassword, database, embedded,
                sampleInterval, maxConnections, headroom, tls);
    }

    /** The same backend at another address (the demo's embedded servers may get free ports). */
    public BackendConfig withAddress(String newHost, int newPort) {
        return new BackendConfig(name, newHost, newPort, adminUser, adminPassword, adminDatabase, embedded,
                sampleInterval, maxConnections, headroom, tls);
    }
}
