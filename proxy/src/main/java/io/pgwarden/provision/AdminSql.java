package io.pgwarden.provision;

import org.postgresql.PGConnection;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** The two things provisioning does with its admin connection besides queries: quote a name, run DDL. */
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
}
