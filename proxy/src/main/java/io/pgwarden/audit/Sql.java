package io.pgwarden.audit;

/**
 * The fix statements the audit prints. Every name is quoted, whatever it holds: names come from the
 * catalogs exactly as stored, so quoting keeps their case and makes spaces, quotes and keywords safe.
 */
final class Sql {

    private Sql() {
    }

    /** A quoted identifier: {@code we"ird} becomes {@code "we""ird"}. */
    static String identifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** A string literal, for standard_conforming_strings on (the default since PostgreSQL 9.1). */
    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    static String revokeConnect(String database, String grantee) {
        return "REVOKE CONNECT ON DATABASE " + identifier(database) + " FROM " + identifier(grantee);
    }

    static String revokeConnectFromPublic(String database) {
        return "REVOKE CONNECT ON DATABASE " + identifier(database) + " FROM PUBLIC";
    }

    static String grantConnect(String database, String role) {
        return "GRANT CONNECT ON DATABASE " + identifier(database) + " TO " + identifier(role);
    }

    static String revokeMembership(String role, String member) {
        return "REVOKE " + identifier(role) + " FROM " + identifier(member);
    }
}
