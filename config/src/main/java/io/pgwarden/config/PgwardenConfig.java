package io.pgwarden.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole routing file, validated. Maps keep the file's order.
 *
 * @param listen    where clients connect
 * @param backends  PostgreSQL instances, by name
 * @param databases logical databases (the names clients put in their URL), by name
 * @param services  client identities (the user names clients send), by name
 */
public record PgwardenConfig(
        ListenConfig listen,
        Map<String, BackendConfig> backends,
        Map<String, DatabaseConfig> databases,
        Map<String, ServiceConfig> services) {

    public PgwardenConfig {
        databases = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(databases));
        services = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(services));
        backends = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(backends));
    }

    public Optional<DatabaseConfig> database(String name) {
        return Optional.ofNullable(databases.get(name));
    }

    public Optional<ServiceConfig> service(String name) {
        return Optional.ofNullable(services.get(name));
    }

    public BackendConfig backendOf(DatabaseConfig database) {
        return backends.get(database.backend());
    }

    /** Databases served by one backend, in file order. */
    public List<DatabaseConfig> databasesOn(String backend) {
        return databases.values().stream().filter(d -> d.backend().equals(backend)).toList();
    }
}
