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
 * @param http      the HTTP endpoint (metrics, health, pools); {@link HttpConfig#NONE} without {@code http:}
 * @param adminServices services that may open the admin console, the virtual database {@value #ADMIN_DATABASE}
 * @param limits        limits over the whole proxy
 * @param audit         the periodic isolation audit; {@link AuditConfig#OFF} without {@code audit:}
 * @param fleet         the other replicas, when pgwarden runs as several; {@link FleetConfig#NONE} without {@code fleet:}
 * @param lifecycle     reload and shutdown: watch_config, shutdown_delay, shutdown_timeout
 */
public record PgwardenConfig(
        ListenConfig listen,
        Map<String, BackendConfig> backends,
        Map<String, DatabaseConfig> databases,
        Map<String, ServiceConfig> services,
        HttpConfig http,
        List<String> adminServices,
        LimitsConfig limits,
        AuditConfig audit,
        FleetConfig fleet,
        LifecycleConfig lifecycle) {

    /** The virtual database of the admin console; no logical database may take this name. */
    public static final String ADMIN_DATABASE = "pgwarden";

    public PgwardenConfig {
        databases = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(databases));
        services = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(services));
        backends = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(backends));
        adminServices = List.copyOf(adminServices);
    }

    /** Without a periodic audit and with the default lifecycle; for code written before {@code audit:} existed. */
    public PgwardenConfig(ListenConfig listen, Map<String, BackendConfig> backends, Map<String, DatabaseConfig> databases,
                          Map<String, ServiceConfig> services, HttpConfig http, List<String> adminServices,
                          LimitsConfig limits) {
        this(listen, backends, databases, services, http, adminServices, limits, AuditConfig.OFF);
    }

    /** One pgwarden alone (no {@code fleet:}). */
    public PgwardenConfig(ListenConfig listen, Map<String, BackendConfig> backends, Map<String, DatabaseConfig> databases,
                          Map<String, ServiceConfig> services, HttpConfig http, List<String> adminServices,
                          LimitsConfig limits, AuditConfig audit) {
        this(listen, backends, databases, services, http, adminServices, limits, audit, FleetConfig.NONE);
    }

    /** The lifecycle a file without watch_config, shutdown_delay and shutdown_timeout gets. */
    public PgwardenConfig(ListenConfig listen, Map<String, BackendConfig> backends, Map<String, DatabaseConfig> databases,
                          Map<String, ServiceConfig> services, HttpConfig http, List<String> adminServices,
                          LimitsConfig limits, AuditConfig audit, FleetConfig fleet) {
        this(listen, backends, databases, services, http, adminServices, limits, audit, fleet, LifecycleConfig.DEFAULT);
    }

    /** No HTTP endpoint and no admin services; for code written before those keys existed. */
    public PgwardenConfig(ListenConfig listen, Map<String, BackendConfig> backends,
                          Map<String, DatabaseConfig> databases, Map<String, ServiceConfig> services) {
        this(listen, backends, databases, services, HttpConfig.NONE, List.of());
    }

    /** The limits a file without {@code limits:} gets. */
    public PgwardenConfig(ListenConfig listen, Map<String, BackendConfig> backends, Map<String, DatabaseConfig> databases,
                          Map<String, ServiceConfig> services, HttpConfig http, List<String> adminServices) {
        this(listen, backends, databases, services, http, adminServices, LimitsConfig.DEFAULT);
    }

    /** The same file listening elsewhere (the demo's and the tests' port overrides). */
    public PgwardenConfig withListen(ListenConfig newListen) {
        return new PgwardenConfig(newListen, backends, databases, services, http, adminServices, limits, audit, fleet, lifecycle);
    }

    /** The same file with other backends (the demo's embedded servers on their real ports). */
    public PgwardenConfig withBackends(Map<String, BackendConfig> newBackends) {
        return new PgwardenConfig(listen, newBackends, databases, services, http, adminServices, limits, audit, fleet, lifecycle);
    }

    /** The same file as another replica of a fleet (tests run several in one JVM). */
    public PgwardenConfig withFleet(FleetConfig newFleet) {
        return new PgwardenConfig(listen, backends, databases, services, http, adminServices, limits, audit, newFleet, lifecycle);
    }

    public PgwardenConfig withHttp(HttpConfig newHttp) {
        return new PgwardenConfig(listen, backends, databases, services, newHttp, adminServices, limits, audit, fleet, lifecycle);
    }

    public PgwardenConfig withLifecycle(LifecycleConfig newLifecycle) {
        return new PgwardenConfig(listen, backends, databases, services, http, adminServices, limits, audit, fleet, newLifecycle);
    }

    /** Whether {@code service} may open the admin console. */
    public boolean isAdminService(String service) {
        return adminServices.contains(service);
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
