package io.pgwarden.config;

/**
 * One PostgreSQL instance.
 *
 * @param adminUser     role used by provision (and later by load sampling)
 * @param adminPassword may be empty (trust or peer authentication)
 * @param adminDatabase database the admin connects to; default {@code postgres}
 * @param embedded      demo only: pgwarden starts an embedded PostgreSQL 17 on {@code host:port}
 */
public record BackendConfig(
        String name,
        String host,
        int port,
        String adminUser,
        String adminPassword,
        String adminDatabase,
        boolean embedded) {
}
