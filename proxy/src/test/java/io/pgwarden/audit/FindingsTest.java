package io.pgwarden.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import io.pgwarden.auth.ScramVerifier;
import io.pgwarden.audit.AuditSnapshot.Subscription;
import io.pgwarden.provision.BackendPlan.PhysicalDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every rule from catalog rows to findings, without a server: what is found, what is not, and the fix. */
class FindingsTest {

    /** orders_db owned by orders_owner (orders_reader also configured), payments_db by payments_owner. */
    private static final AuditTarget TARGET = new AuditTarget("main", "admin", List.of(
            new PhysicalDatabase("orders_db", List.of("orders_owner", "orders_reader")),
            new PhysicalDatabase("payments_db", List.of("payments_owner"))));

    /** The rows of a freshly provisioned backend: nothing to report. */
    private static final class Rows {
        final List<Role> roles = new ArrayList<>(List.of(
                new Role("admin", true, true), new Role("orders_owner", false, true),
                new Role("orders_reader", false, true), new Role("payments_owner", false, true)));
        final List<Membership> memberships = new ArrayList<>();
        final List<Database> databases = new ArrayList<>(List.of(
                new Database("orders_db", "orders_owner", false), new Database("payments_db", "payments_owner", false)));
        final List<Connect> connects = new ArrayList<>(List.of(
                new Connect("orders_db", "orders_owner", List.of("orders_owner")),
                new Connect("orders_db", "orders_reader", List.of("orders_reader")),
                new Connect("payments_db", "payments_owner", List.of("payments_owner"))));
        final List<Session> sessions = new ArrayList<>();
        final List<Subscription> subscriptions = new ArrayList<>();
        final List<Slot> slots = new ArrayList<>();
        final List<StoredPassword> passwords = new ArrayList<>();
        final List<DatabaseObjects> objects = new ArrayList<>();

        List<String> findings() {
            return findings(TARGET);
        }

        List<String> findings(AuditTarget target) {
            return Findings.of(target, new AuditSnapshot(roles, memberships, databases, connects, sessions,
                    subscriptions, slots, passwords, objects)).stream().map(FindingsTest::line).toList();
        }
    }

    private static String line(Finding finding) {
        return finding.severity().label() + " " + finding.kind().label() + " " + finding.database() + ": "
                + finding.what() + " | " + String.join("; ", finding.fix()) + (finding.fixIn() == null ? "" : " | in " + finding.fixIn());
    }

    @Test
    void aProvisionedBackendHasNoFindings() {
        Rows rows = new Rows();
        rows.sessions.add(new Session(10, "orders_db", "orders_owner", "", "10.0.0.5", false)); // pgwarden's
        rows.sessions.add(new Session(11, "orders_db", "orders_reader", "", "10.0.0.5", false)); // pgwarden's too

        assertEquals(List.of(), rows.findings());
    }

    @Test
    void publicConnectIsOneFindingPerDatabaseWhoeverIsLetIn() {
        Rows rows = new Rows();
        rows.databases.set(1, new Database("payments_db", "payments_owner", true));
        rows.connects.add(new Connect("payments_db", "orders_owner", List.of())); // only through PUBLIC

        assertEquals(List.of("high public_connect payments_db: PUBLIC can connect to payments_db"
                + " | REVOKE CONNECT ON DATABASE \"payments_db\" FROM PUBLIC"), rows.findings());
    }

    @Test
    void aDirectGrantToAnotherRoleIsFoundAndAGroupGrantNamesItsMembers() {
        Rows rows = new Rows();
        rows.roles.add(new Role("intruder", false, true));
        rows.roles.add(new Role("we\"ird group", false, false));
        rows.roles.add(new Role("a", false, true));
        rows.roles.add(new Role("b", false, true));
        rows.connects.add(new Connect("orders_db", "intruder", List.of("intruder")));
        rows.connects.add(new Connect("payments_db", "a", List.of("we\"ird group")));
        rows.connects.add(new Connect("payments_db", "b", List.of("we\"ird group")));

        assertEquals(List.of(
                "high connect_grant orders_db: role intruder can connect to orders_db (CONNECT granted to it)"
                        + " | REVOKE CONNECT ON DATABASE \"orders_db\" FROM \"intruder\"",
                "high connect_grant payments_db: CONNECT on payments_db granted to we\"ird group lets in a, b"
                        + " | REVOKE CONNECT ON DATABASE \"payments_db\" FROM \"we\"\"ird group\""), rows.findings());
    }

    @Test
    void superusersAndTheAdminAreReportedOnceNotOnEveryDatabase() {
        Rows rows = new Rows();
        rows.roles.add(new Role("root2", true, true));
        rows.roles.add(new Role("dormant", true, false)); // a superuser nobody can log in as, or become
        rows.roles.add(new Role("ops", false, true));
        rows.roles.add(new Role("helper", false, false));
        rows.connects.add(new Connect("orders_db", "admin", List.of("admin"))); // a non-superuser admin is left out too
        rows.memberships.add(new Membership("ops", "root2"));
        rows.memberships.add(new Membership("helper", "admin"));
        rows.memberships.add(new Membership("admin", "orders_owner")); // the admin may be a member of anything

        List<String> findings = rows.findings();

        assertEquals(List.of(
                "high superuser null: role helper is a member of superuser admin (SET ROLE makes it a superuser)"
                        + " | REVOKE \"admin\" FROM \"helper\"",
                "high superuser null: role ops is a member of superuser root2 (SET ROLE makes it a superuser)"
                        + " | REVOKE \"root2\" FROM \"ops\"",
                "high superuser null: role root2 is a superuser and can log in | ALTER ROLE \"root2\" NOSUPERUSER"), findings);
    }

    @Test
    void aMemberOfANonSuperuserAdminIsAMembershipFinding() {
        Rows rows = new Rows();
        rows.roles.set(0, new Role("admin", false, true));
        rows.roles.add(new Role("helper", false, true));
        rows.memberships.add(new Membership("helper", "admin"));

        assertEquals(List.of("high membership null: role helper is a member of the admin role admin"
                + " | REVOKE \"admin\" FROM \"helper\""), rows.findings());
    }

    @Test
    void readAllDataAndWriteAllDataMembersAreFound() {
        Rows rows = new Rows();
        rows.roles.add(new Role("analyst", false, true));
        rows.memberships.add(new Membership("analyst", "pg_read_all_data"));
        rows.memberships.add(new Membership("orders_owner", "pg_write_all_data"));
        rows.memberships.add(new Membership("orders_owner", "pg_monitor")); // not a way into data

        assertEquals(List.of(
                "high all_data null: role analyst is a member of pg_read_all_data | REVOKE \"pg_read_all_data\" FROM \"analyst\"",
                "high all_data null: role orders_owner is a member of pg_write_all_data"
                        + " | REVOKE \"pg_write_all_data\" FROM \"orders_owner\""), rows.findings());
    }

    @Test
    void aMembershipAcrossServicesIsFoundAndTheRoleThatReachesBothIsShared() {
        Rows rows = new Rows();
        rows.memberships.add(new Membership("orders_owner", "payments_owner"));
        rows.memberships.add(new Membership("orders_reader", "orders_owner")); // within one service: fine
        rows.connects.add(new Connect("payments_db", "orders_owner", List.of("payments_owner")));

        assertEquals(List.of(
                "high membership payments_db: role orders_owner is a member of payments_owner, pgwarden's role for payments_db"
                        + " | REVOKE \"payments_owner\" FROM \"orders_owner\"",
                "high shared_role null: role orders_owner can connect to orders_db, payments_db"
                        + " | REVOKE \"payments_owner\" FROM \"orders_owner\""), rows.findings());
    }

    @Test
    void aRoleGrantedTwoDatabasesIsSharedAndEachGrantIsFound() {
        Rows rows = new Rows();
        rows.roles.add(new Role("intruder", false, true));
        rows.connects.add(new Connect("orders_db", "intruder", List.of("intruder")));
        rows.connects.add(new Connect("payments_db", "intruder", List.of("intruder")));

        assertEquals(List.of(
                "high connect_grant orders_db: role intruder can connect to orders_db (CONNECT granted to it)"
                        + " | REVOKE CONNECT ON DATABASE \"orders_db\" FROM \"intruder\"",
                "high connect_grant payments_db: role intruder can connect to payments_db (CONNECT granted to it)"
                        + " | REVOKE CONNECT ON DATABASE \"payments_db\" FROM \"intruder\"",
                "high shared_role null: role intruder can connect to orders_db, payments_db"
                        + " | REVOKE CONNECT ON DATABASE \"orders_db\" FROM \"intruder\";"
                        + " REVOKE CONNECT ON DATABASE \"payments_db\" FROM \"intruder\""), rows.findings());
    }

    @Test
    void aRoleTheConfigSharesIsMediumWithNoSqlToRun() {
        AuditTarget shared = new AuditTarget("main", "admin", List.of(
                new PhysicalDatabase("orders_db", List.of("orders_owner")),
                new PhysicalDatabase("payments_db", List.of("payments_owner", "orders_owner"))));
        Rows rows = new Rows();
        rows.connects.removeIf(c -> c.role().equals("orders_reader"));
        rows.connects.add(new Connect("payments_db", "orders_owner", List.of("orders_owner")));

        assertEquals(List.of("medium shared_role null: role orders_owner is pgwarden's role for orders_db, payments_db"
                + " (the config shares it) | -- give each database its own user in pgwarden's config, then run pgwarden provision"),
                rows.findings(shared));
    }

    @Test
    void sessionsOfOtherRolesBypassPgwardenAndASuperusersIsMedium() {
        Rows rows = new Rows();
        rows.sessions.add(new Session(20, "orders_db", "payments_owner", "psql", "10.0.0.9", false)); // another service's role
        rows.sessions.add(new Session(21, "payments_db", "admin", "psql", null, true));
        rows.sessions.add(new Session(22, "payments_db", "admin", "pgwarden audit", "127.0.0.1", true)); // another audit
        rows.sessions.add(new Session(23, "payments_db", "intruder", "pgwarden audit", "10.0.0.9", false)); // only the admin's count as audits
        rows.sessions.add(new Session(24, "payments_db", null, null, null, false)); // nothing known

        assertEquals(List.of(
                "high bypass_session orders_db: session 20 in orders_db as payments_owner (application \"psql\", from 10.0.0.9)"
                        + " | SELECT pg_terminate_backend(20)",
                "high bypass_session payments_db: session 23 in payments_db as intruder (application \"pgwarden audit\", from 10.0.0.9)"
                        + " | SELECT pg_terminate_backend(23)",
                "medium bypass_session payments_db: superuser session 21 in payments_db as admin (application \"psql\", from a Unix socket)"
                        + " | SELECT pg_terminate_backend(21)"), rows.findings());
    }

    @Test
    void sharedObjectsAreFoundWhereTheyCrossServices() {
        Rows rows = new Rows();
        rows.objects.add(new DatabaseObjects("payments_db",
                List.of(new ForeignServer("to orders", "postgres_fdw", Map.of("host", "db1", "dbname", "orders_db")),
                        new ForeignServer("self", "postgres_fdw", Map.of("dbname", "payments_db")),
                        new ForeignServer("warehouse", "postgres_fdw", Map.of("dbname", "dwh"))),
                List.of("dblink", "postgres_fdw"),
                List.of(new Publication("all", true, 0), new Publication("some", false, 2))));
        rows.subscriptions.add(new Subscription("copy", "postgres", "host=db1 dbname = 'orders_db'"));
        rows.subscriptions.add(new Subscription("self", "orders_db", "dbname=orders_db"));
        rows.subscriptions.add(new Subscription("import", "orders_db", "postgresql://elsewhere/erp"));
        rows.slots.add(new Slot("o'slot", "orders_db"));

        assertEquals(List.of(
                "high foreign_server payments_db: foreign server to orders (postgres_fdw) in payments_db points at orders_db"
                        + " | DROP SERVER \"to orders\" CASCADE | in payments_db",
                "high subscription orders_db: subscription copy in postgres copies from orders_db"
                        + " | ALTER SUBSCRIPTION \"copy\" DISABLE; ALTER SUBSCRIPTION \"copy\" SET (slot_name = NONE);"
                        + " DROP SUBSCRIPTION \"copy\" | in postgres",
                "medium extension payments_db: extension dblink is installed in payments_db"
                        + " | DROP EXTENSION \"dblink\" CASCADE | in payments_db",
                "medium publication payments_db: publication all in payments_db publishes all tables"
                        + " | DROP PUBLICATION \"all\" | in payments_db",
                "medium publication payments_db: publication some in payments_db publishes 2 tables"
                        + " | DROP PUBLICATION \"some\" | in payments_db",
                "medium replication_slot orders_db: logical replication slot o'slot in orders_db"
                        + " | SELECT pg_drop_replication_slot('o''slot') | in orders_db",
                "low extension payments_db: extension postgres_fdw is installed in payments_db"
                        + " | DROP EXTENSION \"postgres_fdw\" CASCADE | in payments_db"), rows.findings());
    }

    @Test
    void inADatabaseServicesShareAGrantOnAnotherServicesSchemaIsFound() {
        AuditTarget target = new AuditTarget("main", "admin",
                List.of(new PhysicalDatabase("shared_db", List.of("orders_owner", "billing_owner"))), Map.of(),
                List.of(new AuditTarget.ServiceSchema("shared_db", "orders", "orders_owner"),
                        new AuditTarget.ServiceSchema("shared_db", "billing", "billing_owner")));
        Rows rows = new Rows();
        rows.roles.add(new Role("billing_owner", false, true));
        rows.objects.add(new DatabaseObjects("shared_db", List.of(), List.of(), List.of(), List.of(
                new SchemaGrant("billing", "billing_owner", "USAGE"), // its own
                new SchemaGrant("billing", "orders_owner", "USAGE"),
                new SchemaGrant("billing", "orders_owner", "CREATE"),
                new SchemaGrant("orders", null, "USAGE"),
                new SchemaGrant("orders", "reporting", "USAGE")))); // not pgwarden's: the CONNECT checks cover it

        assertEquals(List.of(
                "high schema_grant shared_db: PUBLIC has USAGE on schema orders in shared_db (orders_owner's)"
                        + " | REVOKE ALL ON SCHEMA \"orders\" FROM PUBLIC | in shared_db",
                "high schema_grant shared_db: role orders_owner has USAGE, CREATE on schema billing in shared_db (billing_owner's)"
                        + " | REVOKE ALL ON SCHEMA \"billing\" FROM \"orders_owner\" | in shared_db"),
                Findings.of(target, new AuditSnapshot(rows.roles, List.of(), List.of(new Database("shared_db", "orders_owner", false)),
                        List.of(new Connect("shared_db", "orders_owner", List.of("orders_owner")),
                                new Connect("shared_db", "billing_owner", List.of("billing_owner"))),
                        List.of(), List.of(), List.of(), List.of(), rows.objects)).stream().map(FindingsTest::line).toList());
    }

    @Test
    void passwordsAreComparedAsProvisionComparesThem() {
        AuditTarget target = new AuditTarget("main", "admin", TARGET.databases(),
                Map.of("orders_owner", "orders-pw", "orders_reader", "", "payments_owner", "payments-pw"));
        Rows rows = new Rows();
        rows.passwords.add(new StoredPassword("orders_owner", ScramVerifier.fromPassword("orders-pw").encode()));
        rows.passwords.add(new StoredPassword("orders_reader", null));
        rows.passwords.add(new StoredPassword("payments_owner", ScramVerifier.fromPassword("changed by hand").encode()));

        assertEquals(List.of("high password_drift payments_db: role payments_owner has another password than pgwarden's"
                + " config gives it | -- run pgwarden provision: it sets the password from the config"), rows.findings(target));

        rows.passwords.set(1, new StoredPassword("orders_reader", ScramVerifier.fromPassword("x").encode()));
        assertEquals(2, rows.findings(target).size());
        rows.passwords.clear(); // the admin may not read pg_authid: nothing compared
        assertEquals(List.of(), rows.findings(target));
    }

    @Test
    void driftFromTheConfigIsFoundWithWhatProvisionWouldRun() {
        AuditTarget target = new AuditTarget("main", "admin", List.of(
                new PhysicalDatabase("orders_db", List.of("orders_owner", "orders_reader")),
                new PhysicalDatabase("payments_db", List.of("payments_owner")),
                new PhysicalDatabase("new db", List.of("new \"owner\"", "orders_reader"))));
        Rows rows = new Rows();
        rows.roles.set(2, new Role("orders_reader", false, false));
        rows.databases.set(1, new Database("payments_db", "admin", false));
        rows.connects.removeIf(c -> c.role().equals("payments_owner") || c.role().equals("orders_reader"));

        assertEquals(List.of(
                "high role_missing new db: role new \"owner\" (pgwarden's role for new db) does not exist"
                        + " | CREATE ROLE \"new \"\"owner\"\"\" LOGIN; -- then run pgwarden provision: it sets the role's password",
                "high role_cannot_login orders_db: role orders_reader (pgwarden's role for orders_db) cannot log in"
                        + " | ALTER ROLE \"orders_reader\" LOGIN",
                "high database_missing new db: database new db does not exist"
                        + " | CREATE DATABASE \"new db\" OWNER \"new \"\"owner\"\"\"; REVOKE CONNECT ON DATABASE \"new db\" FROM PUBLIC;"
                        + " GRANT CONNECT ON DATABASE \"new db\" TO \"orders_reader\"",
                "high owner_drift payments_db: database payments_db is owned by admin, pgwarden's config says payments_owner"
                        + " | ALTER DATABASE \"payments_db\" OWNER TO \"payments_owner\"",
                "high connect_missing payments_db: role payments_owner (pgwarden's role for payments_db) cannot connect to it"
                        + " | GRANT CONNECT ON DATABASE \"payments_db\" TO \"payments_owner\""), rows.findings(target));
    }
}
