package io.pgwarden.audit;

import io.pgwarden.audit.AuditSnapshot.Connect;
import io.pgwarden.audit.AuditSnapshot.Database;
import io.pgwarden.audit.AuditSnapshot.DatabaseObjects;
import io.pgwarden.audit.AuditSnapshot.ForeignServer;
import io.pgwarden.audit.AuditSnapshot.Membership;
import io.pgwarden.audit.AuditSnapshot.Publication;
import io.pgwarden.audit.AuditSnapshot.Role;
import io.pgwarden.audit.AuditSnapshot.SchemaGrant;
import io.pgwarden.audit.AuditSnapshot.Session;
import io.pgwarden.audit.AuditSnapshot.Slot;
import io.pgwarden.audit.AuditSnapshot.StoredPassword;
import io.pgwarden.audit.AuditSnapshot.Subscription;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The audit's catalog queries, read-only, and their rows as {@link AuditSnapshot} records. The
 * instance-wide ones run on the admin database; the rest once in each service database.
 * Needs PostgreSQL 14 or later and an admin role that is a superuser (pg_subscription's conninfo and
 * other roles' sessions are hidden from anyone else).
 */
final class AuditQueries {

    static final String ROLES = """
            SELECT rolname, rolsuper, rolcanlogin FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY 1""";

    /** One row per grant, whoever granted it (PostgreSQL 16 may record several grantors). */
    static final String MEMBERSHIPS = """
            SELECT DISTINCT m.rolname, r.rolname
              FROM pg_auth_members a
              JOIN pg_roles m ON m.oid = a.member
              JOIN pg_roles r ON r.oid = a.roleid
             WHERE m.rolname !~ '^pg_'
             ORDER BY 1, 2""";

    /** A database without an ACL has the default one: CONNECT for PUBLIC and the owner. */
    static final String DATABASES = """
            SELECT d.datname, pg_get_userbyid(d.datdba),
                   EXISTS (SELECT 1 FROM aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                            WHERE a.grantee = 0 AND a.privilege_type = 'CONNECT')
              FROM pg_database d
             WHERE d.datname = ANY (?)
             ORDER BY 1""";

    /**
     * Every login role that can connect (as PostgreSQL checks at login, inherited privileges
     * included), with the grantees of CONNECT it holds the privileges of. Superusers are left out:
     * they can connect anywhere and are reported once.
     */
    static final String CONNECTS = """
            SELECT d.datname, r.rolname,
                   array(SELECT DISTINCT pg_get_userbyid(a.grantee)
                           FROM aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                          WHERE a.privilege_type = 'CONNECT' AND a.grantee <> 0
                            AND pg_has_role(r.oid, a.grantee, 'USAGE')
                          ORDER BY 1)
              FROM pg_database d CROSS JOIN pg_roles r
             WHERE d.datname = ANY (?) AND r.rolcanlogin AND NOT r.rolsuper
               AND has_database_privilege(r.oid, d.oid, 'CONNECT')
             ORDER BY 1, 2""";

    static final String SESSIONS = """
            SELECT a.pid, a.datname, a.usename, a.application_name, host(a.client_addr), coalesce(r.rolsuper, false)
              FROM pg_stat_activity a LEFT JOIN pg_roles r ON r.oid = a.usesysid
             WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid() AND a.datname = ANY (?)
             ORDER BY a.pid""";

    static final String SUBSCRIPTIONS = """
            SELECT s.subname, d.datname, s.subconninfo
              FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid
             ORDER BY 1""";

    /** Superusers only; anyone else gets 42501 and the passwords are not compared. */
    static final String PASSWORDS = """
            SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY (?) ORDER BY 1""";

    private static final String INSUFFICIENT_PRIVILEGE = "42501";

    static final String SLOTS = """
            SELECT slot_name, database FROM pg_replication_slots
             WHERE slot_type = 'logical' AND database = ANY (?)
             ORDER BY 1""";

    static final String FOREIGN_SERVERS = """
            SELECT s.srvname, w.fdwname, coalesce(s.srvoptions, '{}')
              FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
             ORDER BY 1""";

    static final String EXTENSIONS = """
            SELECT extname FROM pg_extension WHERE extname IN ('dblink', 'postgres_fdw') ORDER BY 1""";

    static final String PUBLICATIONS = """
            SELECT p.pubname, p.puballtables,
                   (SELECT count(*) FROM pg_publication_tables t WHERE t.pubname = p.pubname)::int
              FROM pg_publication p
             ORDER BY 1""";

    /** A schema without an ACL (nspacl NULL) is its owner's alone and gives no rows. */
    static final String SCHEMA_GRANTS = """
            SELECT n.nspname, CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END, a.privilege_type
              FROM pg_namespace n, aclexplode(n.nspacl) a
             WHERE n.nspname = ANY (?)
             ORDER BY 1, 2, 3""";

    private AuditQueries() {
    }

    /**
     * Everything but the per-database objects, on the admin connection. Sessions are read before
     * the audit opens its per-database connections, so those are never among them.
     */
    static AuditSnapshot instance(Connection admin, Set<String> serviceDatabases, Set<String> roles) throws SQLException {
        String[] names = serviceDatabases.stream().sorted().toArray(String[]::new);
        List<Role> allRoles = new ArrayList<>();
        query(admin, ROLES, null, rows -> allRoles.add(new Role(rows.getString(1), rows.getBoolean(2), rows.getBoolean(3))));
        List<Membership> memberships = new ArrayList<>();
        query(admin, MEMBERSHIPS, null, rows -> memberships.add(new Membership(rows.getString(1), rows.getString(2))));
        List<Database> databases = new ArrayList<>();
        query(admin, DATABASES, names,
                rows -> databases.add(new Database(rows.getString(1), rows.getString(2), rows.getBoolean(3))));
        List<Connect> connects = new ArrayList<>();
        query(admin, CONNECTS, names,
                rows -> connects.add(new Connect(rows.getString(1), rows.getString(2), strings(rows.getArray(3)))));
        List<Session> sessions = new ArrayList<>();
        query(admin, SESSIONS, names, rows -> sessions.add(new Session(rows.getInt(1), rows.getString(2),
                rows.getString(3), rows.getString(4), rows.getString(5), rows.getBoolean(6))));
        List<Subscription> subscriptions = new ArrayList<>();
        query(admin, SUBSCRIPTIONS, null,
                rows -> subscriptions.add(new Subscription(rows.getString(1), rows.getString(2), rows.getString(3))));
        List<Slot> slots = new ArrayList<>();
        query(admin, SLOTS, names, rows -> slots.add(new Slot(rows.getString(1), rows.getString(2))));
        List<StoredPassword> passwords = new ArrayList<>();
        try {
            query(admin, PASSWORDS, roles.stream().sorted().toArray(String[]::new),
                    rows -> passwords.add(new StoredPassword(rows.getString(1), rows.getString(2))));
        } catch (SQLException e) {
            if (!INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
                throw e;
            }
            passwords.clear(); // not a superuser: passwords are not compared (autocommit: nothing to roll back)
        }
        return new AuditSnapshot(allRoles, memberships, databases, connects, sessions, subscriptions, slots, passwords,
                List.of());
    }

    /**
     * What lives inside one service database, on a connection to it.
     *
     * @param schemas the service schemas in it (schema routing); empty for a database of one service
     */
    static DatabaseObjects objects(Connection connection, String database, List<String> schemas) throws SQLException {
        List<ForeignServer> servers = new ArrayList<>();
        query(connection, FOREIGN_SERVERS, null, rows -> servers.add(
                new ForeignServer(rows.getString(1), rows.getString(2), options(strings(rows.getArray(3))))));
        List<String> extensions = new ArrayList<>();
        query(connection, EXTENSIONS, null, rows -> extensions.add(rows.getString(1)));
        List<Publication> publications = new ArrayList<>();
        query(connection, PUBLICATIONS, null,
                rows -> publications.add(new Publication(rows.getString(1), rows.getBoolean(2), rows.getInt(3))));
        List<SchemaGrant> grants = new ArrayList<>();
        if (!schemas.isEmpty()) {
            query(connection, SCHEMA_GRANTS, schemas.toArray(String[]::new),
                    rows -> grants.add(new SchemaGrant(rows.getString(1), rows.getString(2), rows.getString(3))));
        }
        return new DatabaseObjects(database, servers, extensions, publications, grants);
    }

    /** srvoptions holds {@code key=value} strings; a value may itself hold '='. */
    static Map<String, String> options(List<String> pairs) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String pair : pairs) {
            int equals = pair.indexOf('=');
            if (equals > 0) {
                options.put(pair.substring(0, equals), pair.substring(equals + 1));
            }
        }
        return options;
    }

    private interface RowReader {
        void read(ResultSet rows) throws SQLException;
    }

    /** @param names the service databases, bound to the query's one parameter; null for none */
    private static void query(Connection connection, String sql, String[] names, RowReader reader) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            if (names != null) {
                statement.setArray(1, connection.createArrayOf("text", names));
            }
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    reader.read(rows);
                }
            }
        }
    }

    private static List<String> strings(Array array) throws SQLException {
        return array == null ? List.of() : Arrays.asList((String[]) array.getArray());
    }
}
