package io.pgwarden.provision;

import io.pgwarden.provision.BackendPlan.PhysicalDatabase;
import io.pgwarden.provision.BackendPlan.Schema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Inside a physical database shared as schemas: each schema exists and is owned by its role, and
 * no role may use or create in another's schema, or in {@code public} unless its database asks
 * for it (then USAGE only); the role of the database without a schema keeps public. So isolation
 * between services is PostgreSQL's, not only a search_path. Schemas created by hand are left alone.
 * The connection is the admin's, to that database.
 */
final class SchemaProvisioning {

    private static final String PUBLIC = "public";

    private final Connection admin;
    private final String database;
    private final Consumer<String> changed;

    SchemaProvisioning(Connection admin, String database, Consumer<String> changed) {
        this.admin = admin;
        this.database = database;
        this.changed = changed;
    }

    void ensure(PhysicalDatabase physical) throws SQLException {
        for (Schema schema : physical.schemas()) {
            ensureOwned(schema.name(), schema.role());
        }
        boolean hasPublic = ownerOf(PUBLIC).isPresent();
        if (hasPublic && (can(PUBLIC, PUBLIC, "USAGE") || can(PUBLIC, PUBLIC, "CREATE"))) {
            execute("REVOKE ALL ON SCHEMA public FROM PUBLIC");
            changed.accept("revoked USAGE and CREATE on schema public in " + database + " from PUBLIC");
        }
        if (hasPublic && !physical.publicRole().isEmpty()) {
            grantMissing(PUBLIC, physical.publicRole(), List.of("USAGE", "CREATE"));
        }
        for (Schema schema : physical.schemas()) {
            if (hasPublic) {
                if (schema.withPublic()) {
                    grantMissing(PUBLIC, schema.role(), List.of("USAGE"));
                    if (can(schema.role(), PUBLIC, "CREATE")) {
                        execute("REVOKE CREATE ON SCHEMA public FROM " + identifier(schema.role()));
                        changed.accept("revoked CREATE on schema public in " + database + " from " + schema.role());
                        requireNo(schema.role(), PUBLIC, "CREATE");
                    }
                } else {
                    closeTo(PUBLIC, schema.role());
                }
            }
            for (Schema other : physical.schemas()) {
                if (other != schema) {
                    closeTo(other.name(), schema.role());
                }
            }
        }
        if (!physical.publicRole().isEmpty()) {
            for (Schema other : physical.schemas()) {
                closeTo(other.name(), physical.publicRole());
            }
        }
    }

    private void ensureOwned(String schema, String role) throws SQLException {
        Optional<String> owner = ownerOf(schema);
        if (owner.isEmpty()) {
            execute("CREATE SCHEMA " + identifier(schema) + " AUTHORIZATION " + identifier(role));
            changed.accept("created schema " + schema + " in " + database + " owned by " + role);
        } else if (!owner.get().equals(role)) {
            execute("ALTER SCHEMA " + identifier(schema) + " OWNER TO " + identifier(role));
            changed.accept("changed owner of schema " + schema + " in " + database + " from " + owner.get() + " to " + role);
        }
    }

    private void grantMissing(String schema, String role, List<String> privileges) throws SQLException {
        List<String> missing = new ArrayList<>();
        for (String privilege : privileges) {
            if (!can(role, schema, privilege)) {
                missing.add(privilege);
            }
        }
        if (!missing.isEmpty()) {
            execute("GRANT " + String.join(", ", missing) + " ON SCHEMA " + identifier(schema) + " TO " + identifier(role));
            changed.accept("granted " + String.join(" and ", missing) + " on schema " + schema + " in " + database + " to " + role);
        }
    }

    /** Takes back what {@code role} was granted on {@code schema}; fails when it could still get in another way. */
    private void closeTo(String schema, String role) throws SQLException {
        if (can(role, schema, "USAGE") || can(role, schema, "CREATE")) {
            execute("REVOKE ALL ON SCHEMA " + identifier(schema) + " FROM " + identifier(role));
            changed.accept("revoked USAGE and CREATE on schema " + schema + " in " + database + " from " + role);
            requireNo(role, schema, "USAGE");
            requireNo(role, schema, "CREATE");
        }
    }

    private void requireNo(String role, String schema, String privilege) throws SQLException {
        if (can(role, schema, privilege)) {
            throw new SQLException("role " + role + " still has " + privilege + " on schema " + schema + " in " + database
                    + " after REVOKE: it is a superuser, or a member of a role that has it; give that logical database a role"
                    + " of its own");
        }
    }

    private Optional<String> ownerOf(String schema) throws SQLException {
        try (PreparedStatement query = admin.prepareStatement(
                "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = ?")) {
            query.setString(1, schema);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
            }
        }
    }

    /** {@code role} "public" means the PUBLIC pseudo-role, as in every has_*_privilege function. */
    private boolean can(String role, String schema, String privilege) throws SQLException {
        return AdminSql.holds(admin, "SELECT has_schema_privilege(?, ?, ?)", role, schema, privilege);
    }

    private String identifier(String name) throws SQLException {
        return AdminSql.identifier(admin, name);
    }

    private void execute(String sql) throws SQLException {
        AdminSql.execute(admin, sql);
    }
}
