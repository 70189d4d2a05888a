package io.pgwarden.frontend;

import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.config.ServiceConfig;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Client-connection quotas: per service ({@code services.<svc>.max_connections}), per database
 * ({@code databases.<db>.max_client_connections}) and overall ({@code limits.max_client_connections});
 * 0 means no limit. A client over any of them is refused with 53300 naming the quota.
 */
public final class ClientQuotas {

    private final java.util.function.Supplier<PgwardenConfig> config;
    private final Map<String, AtomicInteger> byService = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> byDatabase = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();

    /** @param config the config in force (its limits are read at each login) */
    public ClientQuotas(java.util.function.Supplier<PgwardenConfig> config) {
        this.config = config;
    }

    /** Counts the client in; empty when it may stay, or the reason it may not (nothing is counted then). */
    Optional<String> admit(ServiceConfig service, DatabaseConfig database) {
        AtomicInteger serviceCount = byService.computeIfAbsent(service.name(), k -> new AtomicInteger());
        AtomicInteger databaseCount = byDatabase.computeIfAbsent(database.name(), k -> new AtomicInteger());
        int globalLimit = config.get().limits().maxClientConnections();
        if (over(total, globalLimit)) {
            return Optional.of("too many client connections: limits.max_client_connections is " + globalLimit);
        }
        if (over(serviceCount, service.maxConnections())) {
            total.decrementAndGet();
            return Optional.of("too many connections for service \"" + service.name() + "\": services." + service.name()
                    + ".max_connections is " + service.maxConnections());
        }
        int databaseLimit = database.pool().maxClientConnections();
        if (over(databaseCount, databaseLimit)) {
            total.decrementAndGet();
            serviceCount.decrementAndGet();
            return Optional.of("too many client connections for database \"" + database.name() + "\": databases."
                    + database.name() + ".max_client_connections is " + databaseLimit);
        }
        return Optional.empty();
    }

    /** The client admitted with {@link #admit} is gone. */
    void leave(ServiceConfig service, DatabaseConfig database) {
        total.decrementAndGet();
        byService.get(service.name()).decrementAndGet();
        byDatabase.get(database.name()).decrementAndGet();
    }

    /** Increments {@code count}; true (and undone) when that passes {@code limit}. */
    private static boolean over(AtomicInteger count, int limit) {
        int now = count.incrementAndGet();
        if (limit > 0 && now > limit) {
            count.decrementAndGet();
            return true;
        }
        return false;
    }
}
