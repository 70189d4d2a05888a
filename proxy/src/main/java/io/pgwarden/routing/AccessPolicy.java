package io.pgwarden.routing;

import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.config.ServiceConfig;

import java.util.Optional;

/**
 * Which service may open which logical database. Decided from the routing file alone, before any
 * backend is touched. An unknown database and a database not granted get the same answer, so a
 * service cannot probe which databases exist.
 */
public final class AccessPolicy {

    private final PgwardenConfig config;

    public AccessPolicy(PgwardenConfig config) {
        this.config = config;
    }

    public Optional<ServiceConfig> service(String name) {
        return config.service(name);
    }

    /** The database to route to, or empty when the service is not granted {@code requested}. */
    public Optional<DatabaseConfig> route(ServiceConfig service, String requested) {
        if (!service.isGranted(requested)) {
            return Optional.empty();
        }
        return config.database(requested);
    }
}
