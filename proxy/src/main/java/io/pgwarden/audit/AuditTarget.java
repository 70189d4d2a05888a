package io.pgwarden.audit;

import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.provision.BackendPlan;
import io.pgwarden.provision.BackendPlan.PhysicalDatabase;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What pgwarden's config says one backend should look like: its service databases, with the roles
 * pgwarden logs in to each as (and the owner {@code provision} gives each), and the admin role the
 * audit itself uses.
 */
public record AuditTarget(String backend, String adminUser, List<PhysicalDatabase> databases) {

    public AuditTarget {
        databases = List.copyOf(databases);
    }

    /** The backend's databases as {@code provision} plans them. */
    public static AuditTarget of(PgwardenConfig config, String backend) {
        String adminUser = config.backends().get(backend).adminUser();
        return new AuditTarget(backend, adminUser, BackendPlan.of(config.databasesOn(backend), adminUser).databases());
    }

    public Set<String> databaseNames() {
        return databases.stream().map(PhysicalDatabase::name).collect(Collectors.toUnmodifiableSet());
    }

    public Optional<PhysicalDatabase> database(String name) {
        return databases.stream().filter(database -> database.name().equals(name)).findFirst();
    }

    /** Whether pgwarden logs in to {@code database} as {@code role}. */
    public boolean isConfigured(String role, String database) {
        return database(database).map(d -> d.users().contains(role)).orElse(false);
    }

    /** The service databases pgwarden logs in to as {@code role}. */
    public Set<String> databasesOf(String role) {
        return databases.stream().filter(d -> d.users().contains(role)).map(PhysicalDatabase::name)
                .collect(Collectors.toUnmodifiableSet());
    }
}
