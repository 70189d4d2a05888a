package io.pgwarden.provision;

import org.postgresql.PGConnection;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** What provisioning does with its admin connection: quote a name, run DDL, ask a yes-or-no question. */
final class AdminSql {

    private AdminSql() {
    }

    static String identifier(Connection admin, String name) throws SQLException {
        return admin.unwrap(PGConnection.class).escapeIdentifier(name);
    }

    static void execute(Connection admin, String sql) throws SQLException {
        try (Statement statement = admin.createStatement()) {
            statement.execute(sql);
        }
    }

    /** The boolean {@code sql} answers for {@code arguments} (a has_*_privilege call, say). */
    static boolean holds(Connection admin, String sql, String... arguments) throws SQLException {
        try (PreparedStatement query = admin.prepareStatement(sql)) {
            for (int i = 0; i < arguments.length; i++) {
                query.setString(i + 1, arguments[i]);
            }
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getBoolean(1);
            }
        }
    }
}
