package io.pgwarden.provision;

import io.pgwarden.provision.BackendPlan.PhysicalDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Makes a physical database exist, owned by its role, closed to PUBLIC and open to its roles.
 * The admin connection must be in autocommit: CREATE DATABASE refuses to run in a transaction.
 */
final class DatabaseProvisioning {

    private final Connection admin;
    private final Consumer<String> changed;

    DatabaseProvisioning(Connection admin, Consumer<String> changed) {
        this.admin = admin;
        this.changed = changed;
    }

    void ensure(PhysicalDatabase database) throws SQLException {
        String name = database.name();
        String owner = database.owner();
        Optional<String> currentOwner = ownerOf(name);
        if (currentOwner.isEmpty()) {
            execute("CREATE DATABASE " + identifier(name) + " OWNER " + identifier(owner));
            changed.accept("created database " + name + " owned by " + owner);
        } else if (!currentOwner.get().equals(owner)) {
            execute("ALTER DATABASE " + identifier(name) + " OWNER TO " + identifier(owner));
            changed.accept("changed owner of database " + name + " from " + currentOwner.get() + " to " + owner);
        }
        if (canConnect("public", name)) {
            execute("REVOKE CONNECT ON DATABASE " + identifier(name) + " FROM PUBLIC");
            changed.accept("revoked CONNECT on " + name + " from PUBLIC");
        }
        for (String user : database.users()) {
            if (!canConnect(user, name)) {
                execute("GRANT CONNECT ON DATABASE " + identifier(name) + " TO " + identifier(user));
                changed.accept("granted CONNECT on " + name + " to " + user);
            }
        }
    }

    private Optional<String> ownerOf(String database) throws SQLException {
        try (PreparedStatement query = admin.prepareStatement(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = ?")) {
            query.setString(1, database);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
            }
        }
    }

    /** {@code role} "public" means the PUBLIC pseudo-role, as in every has_*_privilege function. */
    private boolean canConnect(String role, String database) throws SQLException {
        return AdminSql.holds(admin, "SELECT has_database_privilege(?, ?, 'CONNECT')", role, database);
    }

    private String identifier(String name) throws SQLException {
        return AdminSql.identifier(admin, name);
    }

    private void execute(String sql) throws SQLException {
        AdminSql.execute(admin, sql);
    }
}
