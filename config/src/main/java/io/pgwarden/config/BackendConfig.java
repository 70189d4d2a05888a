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
 */
public record BackendConfig(
        String name,
        String host,
        int port,
        String adminUser,
        String adminPassword,
        String adminDatabase,
        boolean embedded,
        Duration sampleInterval) {

    public static final Duration DEFAULT_SAMPLE_INTERVAL = Duration.ofSeconds(10);

    /** With the default {@code sample_interval}; for code written before that key existed. */
    public BackendConfig(String name, String host, int port, String adminUser, String adminPassword,
                         String adminDatabase, boolean embedded) {
        this(name, host, port, adminUser, adminPassword, adminDatabase, embedded, DEFAULT_SAMPLE_INTERVAL);
    }

    /** The same backend at another address (the demo's embedded servers may get free ports). */
    public BackendConfig withAddress(String newHost, int newPort) {
        return new BackendConfig(name, newHost, newPort, adminUser, adminPassword, adminDatabase, embedded,
                sampleInterval);
    }
}
