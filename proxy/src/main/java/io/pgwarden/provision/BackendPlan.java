package io.pgwarden.provision;

import io.pgwarden.config.DatabaseConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one backend should hold, derived from the databases configured on it. Several logical
 * databases may share one physical database: its owner is the first one's user, the others are
 * granted CONNECT (so runs never fight over ownership). Where they are schemas of it, no service
 * role may own it (an owner could drop it, or set defaults for everyone): the role of the one
 * logical database without a schema owns it if there is one, else the backend's admin.
 * {@code pgwarden audit} checks a backend against the same plan.
 *
 * @param databases physical databases in file order
 * @param passwords wanted password per role, from the first database naming it
 */
public record BackendPlan(List<PhysicalDatabase> databases, Map<String, String> passwords) {

    /**
     * @param owner      the role that owns it
     * @param users      every configured role that must connect, in file order (the owner among them unless it is the admin)
     * @param schemas    the schemas of its schema-routed logical databases, one per schema; empty for none
     * @param publicRole the role of its logical database without a schema, beside schemas; "" for none
     */
    public record PhysicalDatabase(String name, String owner, List<String> users, List<Schema> schemas, String publicRole) {

        /** Without schemas: owned by the first user. */
        public PhysicalDatabase(String name, List<String> users) {
            this(name, users.get(0), users, List.of(), "");
        }
    }

    /** @param withPublic its clients also see public: the role may use it (not create in it) */
    public record Schema(String name, String role, boolean withPublic) {
    }

    /** @param adminUser the backend's admin_user: the owner of a database shared only as schemas */
    public static BackendPlan of(List<DatabaseConfig> configured, String adminUser) {
        Map<String, List<DatabaseConfig>> byDatabase = new LinkedHashMap<>();
        Map<String, String> passwords = new LinkedHashMap<>();
        for (DatabaseConfig database : configured) {
            byDatabase.computeIfAbsent(database.dbname(), name -> new ArrayList<>()).add(database);
            passwords.putIfAbsent(database.user(), database.password() == null ? "" : database.password());
        }
        List<PhysicalDatabase> databases = new ArrayList<>();
        byDatabase.forEach((name, logical) -> databases.add(physical(name, logical, adminUser)));
        return new BackendPlan(List.copyOf(databases), Map.copyOf(passwords));
    }

    private static PhysicalDatabase physical(String name, List<DatabaseConfig> logical, String adminUser) {
        Set<String> users = new LinkedHashSet<>();
        logical.forEach(database -> users.add(database.user()));
        if (logical.stream().noneMatch(DatabaseConfig::hasSchema)) {
            return new PhysicalDatabase(name, List.copyOf(users));
        }
        Map<String, Schema> schemas = new LinkedHashMap<>();
        String publicRole = "";
        for (DatabaseConfig database : logical) {
            if (!database.hasSchema()) {
                publicRole = database.user(); // the validator allows one such role beside schemas
            } else {
                // one role per schema (validated); a second entry (another pool mode) may add public
                Schema known = schemas.get(database.schema());
                boolean withPublic = database.publicSchema() || (known != null && known.withPublic());
                schemas.put(database.schema(), new Schema(database.schema(), database.user(), withPublic));
            }
        }
        String owner = publicRole.isEmpty() ? adminUser : publicRole;
        return new PhysicalDatabase(name, owner, List.copyOf(users), List.copyOf(schemas.values()), publicRole);
    }
}
