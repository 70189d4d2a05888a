package io.pgwarden.routing;

import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.config.ServiceConfig;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * Which service may open which logical database. Decided from the routing file alone, before any
 * backend is touched. An unknown database and a database not granted get the same answer, so a
 * service cannot probe which databases exist. Reads the config in force at each call: a reload
 * applies to the next login.
 */
public final class AccessPolicy {

    private final Supplier<PgwardenConfig> config;

    public AccessPolicy(PgwardenConfig config) {
        this(() -> config);
    }

    public AccessPolicy(Supplier<PgwardenConfig> config) {
        this.config = config;
    }

    public Optional<ServiceConfig> service(String name) {
        return config.get().service(name);
    }

    /**
     * The database to route to, or empty when the service is not granted {@code requested}. The
     * grant is read from the config in force now, not from {@code service} as it was when its login
     * began: a grant revoked meanwhile lets nobody in.
     */
    public Optional<DatabaseConfig> route(ServiceConfig service, String requested) {
        PgwardenConfig now = config.get();
        return now.service(service.name())
                .filter(current -> current.isGranted(requested))
                .flatMap(current -> now.database(requested));
    }

    /** What a connected client is told (FATAL 42501) when a reload takes its service's access to {@code database} away. */
    public static String revokedMessage(String service, String database) {
        return "permission denied for database \"" + database + "\": service \"" + service
                + "\" is no longer granted access to it (configuration reloaded)";
    }

    /** Whether {@code service} may still use {@code database} (a reload may have revoked it). */
    public boolean allows(String service, String database) {
        PgwardenConfig now = config.get();
        return now.service(service).map(s -> s.isGranted(database)).orElse(false) && now.databases().containsKey(database);
    }
}
