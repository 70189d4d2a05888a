package io.pgwarden.audit;

import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.provision.BackendPlan;
import io.pgwarden.provision.BackendPlan.PhysicalDatabase;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What pgwarden's config says one backend should look like: its service databases, with the roles
 * pgwarden logs in to each as (and the owner {@code provision} gives each), and the admin role the
 * audit itself uses.
 *
 * @param passwords the configured password of each role ("" for none); a role left out is not checked
 * @param schemas   the schemas of services that share one physical database (schema routing), each
 *                  with the role pgwarden uses for it; empty until the config has
 *                  {@code databases.<name>.schema}
 */
public record AuditTarget(String backend, String adminUser, List<PhysicalDatabase> databases,
                          Map<String, String> passwords, List<ServiceSchema> schemas) {

    /** A service's schema inside a physical database that other services' schemas share. */
    public record ServiceSchema(String database, String schema, String user) {
    }

    public AuditTarget {
        databases = List.copyOf(databases);
        passwords = Map.copyOf(passwords);
        schemas = List.copyOf(schemas);
    }

    /** Without schemas: every service has a physical database of its own. */
    public AuditTarget(String backend, String adminUser, List<PhysicalDatabase> databases, Map<String, String> passwords) {
        this(backend, adminUser, databases, passwords, List.of());
    }

    /** Without passwords to compare. */
    public AuditTarget(String backend, String adminUser, List<PhysicalDatabase> databases) {
        this(backend, adminUser, databases, Map.of());
    }

    /** The service schemas of one physical database. */
    public List<ServiceSchema> schemasIn(String database) {
        return schemas.stream().filter(schema -> schema.database().equals(database)).toList();
    }

    /** The backend's databases as {@code provision} plans them, with the schemas of schema-routed ones. */
    public static AuditTarget of(PgwardenConfig config, String backend) {
        String adminUser = config.backends().get(backend).adminUser();
        BackendPlan plan = BackendPlan.of(config.databasesOn(backend), adminUser);
        List<ServiceSchema> schemas = plan.databases().stream()
                .flatMap(database -> database.schemas().stream()
                        .map(schema -> new ServiceSchema(database.name(), schema.name(), schema.role())))
                .toList();
        return new AuditTarget(backend, adminUser, plan.databases(), plan.passwords(), schemas);
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
