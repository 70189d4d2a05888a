package io.pgwarden.provision;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.function.Consumer;
import org.postgresql.PGConnection;

/**
 * Makes a backend role exist, able to log in, with the configured password. Passwords travel as
 * SCRAM verifiers computed here (pgjdbc's alterUserPassword), so neither our logs nor the server's
 * statement log ever see one.
 */
final class RoleProvisioning {

    private static final String INSUFFICIENT_PRIVILEGE = "42501";

    private final Connection admin;
    private final Consumer<String> changed;

    RoleProvisioning(Connection admin, Consumer<String> changed) {
        this.admin = admin;
        this.changed = changed;
    }

    /** @param replication the role must have the REPLICATION attribute (a database's replication_user) */
    void ensure(String role, String password, boolean replication) throws SQLException {
        Optional<Boolean> canLogin = canLogin(role);
        if (canLogin.isEmpty()) {
            execute("CREATE ROLE " + identifier(role) + (replication ? " LOGIN REPLICATION" : " LOGIN"));
            setPassword(role, password);
            changed.accept(replication ? "created role " + role + " with REPLICATION" : "created role " + role);
            return;
        }
        if (!canLogin.get()) {
            execute("ALTER ROLE " + identifier(role) + " LOGIN");
            changed.accept("allowed role " + role + " to log in");
        }
        if (replication && !canReplicate(role)) {
            execute("ALTER ROLE " + identifier(role) + " REPLICATION");
            changed.accept("granted REPLICATION to role " + role);
        }
        ensurePassword(role, password);
    }

    private boolean canReplicate(String role) throws SQLException {
        try (PreparedStatement query = admin.prepareStatement("SELECT rolreplication FROM pg_roles WHERE rolname = ?")) {
            query.setString(1, role);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() && rows.getBoolean(1);
            }
        }
    }

    private void ensurePassword(String role, String password) throws SQLException {
        Optional<String> stored;
        try {
            stored = storedPassword(role);
        } catch (SQLException e) {
            if (!INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
                throw e;
            }
            // Not a superuser (e.g. a managed service's admin): we cannot compare, so we set it.
            if (!password.isEmpty()) {
                setPassword(role, password);
                changed.accept("set password of role " + role + " (admin cannot read pg_authid to compare)");
            }
            return;
        }
        if (StoredPassword.matches(stored.orElse(null), role, password)) {
            return;
        }
        setPassword(role, password);
        changed.accept(password.isEmpty() ? "removed password of role " + role : "changed password of role " + role);
    }

    private void setPassword(String role, String password) throws SQLException {
        if (password.isEmpty()) {
            execute("ALTER ROLE " + identifier(role) + " PASSWORD NULL");
            return;
        }
        admin.unwrap(PGConnection.class).alterUserPassword(role, password.toCharArray(), "scram-sha-256");
    }

    private Optional<Boolean> canLogin(String role) throws SQLException {
        try (PreparedStatement query = admin.prepareStatement("SELECT rolcanlogin FROM pg_roles WHERE rolname = ?")) {
            query.setString(1, role);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? Optional.of(rows.getBoolean(1)) : Optional.empty();
            }
        }
    }

    private Optional<String> storedPassword(String role) throws SQLException {
        try (PreparedStatement query = admin.prepareStatement("SELECT rolpassword FROM pg_authid WHERE rolname = ?")) {
            query.setString(1, role);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return Optional.ofNullable(rows.getString(1));
            }
        }
    }

    private String identifier(String name) throws SQLException {
        return AdminSql.identifier(admin, name);
    }

    private void execute(String sql) throws SQLException {
        AdminSql.execute(admin, sql);
    }
}
