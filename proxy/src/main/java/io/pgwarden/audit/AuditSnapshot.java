package io.pgwarden.audit;

import java.util.List;
import java.util.Map;

/**
 * What the audit's queries read from one backend, row by row, in PostgreSQL's terms. Predefined
 * {@code pg_*} roles appear only as the granted side of a membership.
 *
 * @param roles         every role but the predefined ones
 * @param memberships   direct role memberships (pg_auth_members), not their closure
 * @param databases     the service databases that exist, with their owner
 * @param connects      every login role, not a superuser, that can CONNECT to a service database
 * @param sessions      client sessions in service databases, the audit's own left out
 * @param subscriptions every subscription of the instance
 * @param slots         logical replication slots in service databases
 * @param passwords     pg_authid.rolpassword of pgwarden's roles; empty when the admin may not read it
 * @param objects       what lives inside each service database the audit could open
 */
public record AuditSnapshot(List<Role> roles, List<Membership> memberships, List<Database> databases,
                            List<Connect> connects, List<Session> sessions, List<Subscription> subscriptions,
                            List<Slot> slots, List<StoredPassword> passwords, List<DatabaseObjects> objects) {

    public AuditSnapshot {
        roles = List.copyOf(roles);
        memberships = List.copyOf(memberships);
        databases = List.copyOf(databases);
        connects = List.copyOf(connects);
        sessions = List.copyOf(sessions);
        subscriptions = List.copyOf(subscriptions);
        slots = List.copyOf(slots);
        passwords = List.copyOf(passwords);
        objects = List.copyOf(objects);
    }

    /** The same rows with the per-database objects, read on connections of their own. */
    public AuditSnapshot withObjects(List<DatabaseObjects> newObjects) {
        return new AuditSnapshot(roles, memberships, databases, connects, sessions, subscriptions, slots, passwords, newObjects);
    }

    public record Role(String name, boolean superuser, boolean canLogin) {
    }

    /** {@code member} was granted {@code role}. */
    public record Membership(String member, String role) {
    }

    /** @param publicConnect CONNECT is granted to PUBLIC (as it is by default) */
    public record Database(String name, String owner, boolean publicConnect) {
    }

    /**
     * {@code role} can connect to {@code database} (has_database_privilege), and why. PUBLIC is left
     * out: {@link Database#publicConnect()} says it once per database.
     *
     * @param viaRoles  grantees of CONNECT whose privileges {@code role} has: itself for a direct
     *                  grant, the owner (who holds CONNECT unless revoked), a group it inherits from
     */
    public record Connect(String database, String role, List<String> viaRoles) {

        public Connect {
            viaRoles = List.copyOf(viaRoles);
        }
    }

    /** @param clientAddress null for a Unix socket */
    public record Session(int pid, String database, String user, String applicationName, String clientAddress,
                          boolean superuser) {
    }

    /** @param conninfo the libpq connection string of its publisher */
    public record Subscription(String name, String database, String conninfo) {
    }

    /** A logical replication slot: whoever consumes it receives every change of {@code database}. */
    public record Slot(String name, String database) {
    }

    /** @param stored null for a role without a password */
    public record StoredPassword(String role, String stored) {

        @Override
        public String toString() {
            return "StoredPassword[" + role + "]"; // never print a verifier
        }
    }

    /** @param schemaGrants grants on the service schemas of a database services share (schema routing) */
    public record DatabaseObjects(String database, List<ForeignServer> foreignServers, List<String> extensions,
                                  List<Publication> publications, List<SchemaGrant> schemaGrants) {

        public DatabaseObjects {
            foreignServers = List.copyOf(foreignServers);
            extensions = List.copyOf(extensions);
            publications = List.copyOf(publications);
            schemaGrants = List.copyOf(schemaGrants);
        }

        /** A database of one service: no service schemas. */
        public DatabaseObjects(String database, List<ForeignServer> foreignServers, List<String> extensions,
                               List<Publication> publications) {
            this(database, foreignServers, extensions, publications, List.of());
        }
    }

    /**
     * One privilege on a schema, from aclexplode(nspacl).
     *
     * @param grantee null for PUBLIC
     */
    public record SchemaGrant(String schema, String grantee, String privilege) {
    }

    /** @param options srvoptions as a map, e.g. {@code dbname -> payments_db} */
    public record ForeignServer(String name, String wrapper, Map<String, String> options) {

        public ForeignServer {
            options = Map.copyOf(options);
        }
    }

    /** @param tables the tables it publishes now */
    public record Publication(String name, boolean allTables, int tables) {
    }
}
