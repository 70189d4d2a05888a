package io.pgwarden.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgwarden.Eventually;
import io.pgwarden.Pgwarden;
import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import io.pgwarden.audit.AuditReport;
import io.pgwarden.audit.AuditTarget;
import io.pgwarden.audit.DatabaseConnector;
import io.pgwarden.audit.Finding;
import io.pgwarden.audit.IsolationAudit;
import io.pgwarden.audit.PeriodicAudit;
import io.pgwarden.auth.ScramVerifier;
import io.pgwarden.config.BackendConfig;
import io.pgwarden.config.ConfigLoader;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.provision.BackendPlan.PhysicalDatabase;
import io.pgwarden.provision.Provisioner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pgwarden audit} against a real PostgreSQL 17 provisioned from the test platform's config,
 * with pgwarden serving clients in front: clean, it finds nothing; seeded with each kind of
 * violation, it finds each one, and running the fixes it prints makes it clean again.
 */
@WithPlatform
class AuditCommandIT {

    private static TestPlatform platform;

    private final IsolationAudit audit = new IsolationAudit(DatabaseConnector.pgjdbc(Duration.ofSeconds(10)));

    @Test
    void aCleanProvisionedInstanceHasNoFindings(@TempDir Path directory) throws Exception {
        try (Connection client = platform.connect("payments-service", "payments");
             Statement statement = client.createStatement()) {
            statement.execute("SELECT 1"); // pgwarden's own session in payments_db is not a finding

            CommandResult table = CommandResult.run("audit", "--config", configFile(directory).toString());
            CommandResult json = CommandResult.run("audit", "--config", configFile(directory).toString(), "--format", "json");

            assertEquals(0, table.exitCode(), table.err());
            assertEquals("no findings on 1 backend\n", table.out());
            assertEquals(0, json.exitCode(), json.err());
            assertEquals("""
                    {"backends": ["main"],
                     "findings": [],
                     "counts": {"high": 0, "medium": 0, "low": 0}}
                    """, json.out());
        }
    }

    @Test
    void publicConnectIsHighAndExitsOneInBothFormats(@TempDir Path directory) throws Exception {
        execute("postgres", "GRANT CONNECT ON DATABASE users_db TO PUBLIC");
        try {
            CommandResult table = CommandResult.run("audit", "--config", configFile(directory).toString());
            CommandResult json = CommandResult.run("audit", "-c", configFile(directory).toString(), "--format", "json");

            assertEquals(1, table.exitCode(), table.err());
            assertEquals("""
                    SEVERITY  BACKEND  KIND            WHAT                            WHY                                                                           FIX
                    high      main     public_connect  PUBLIC can connect to users_db  every role of the instance can connect to this database, not only pgwarden's  REVOKE CONNECT ON DATABASE "users_db" FROM PUBLIC;
                    1 finding on 1 backend: 1 high
                    """, table.out());
            assertEquals(1, json.exitCode(), json.err());
            assertEquals("""
                    {"backends": ["main"],
                     "findings": [
                      {"severity": "high", "backend": "main", "kind": "public_connect", "database": "users_db", \
                    "what": "PUBLIC can connect to users_db", \
                    "why": "every role of the instance can connect to this database, not only pgwarden's", \
                    "fix": ["REVOKE CONNECT ON DATABASE \\"users_db\\" FROM PUBLIC"], "fix_in": null}
                     ],
                     "counts": {"high": 1, "medium": 0, "low": 0}}
                    """, json.out());
        } finally {
            execute("postgres", "REVOKE CONNECT ON DATABASE users_db FROM PUBLIC");
        }
    }

    @Test
    void findsEachKindOfViolationAndItsPrintedFixesClearThem() throws Exception {
        int port = platform.postgres().port();
        List<String> seeds = List.of(
                // a role granted two databases
                "CREATE ROLE intruder LOGIN PASSWORD 'intruder-pw'",
                "GRANT CONNECT ON DATABASE orders_db, payments_db TO intruder",
                // PUBLIC CONNECT left on
                "GRANT CONNECT ON DATABASE users_db TO PUBLIC",
                // a group with an odd name that lets its member in
                "CREATE ROLE \"we\"\"ird group\" NOLOGIN",
                "CREATE ROLE \"odd member\" LOGIN IN ROLE \"we\"\"ird group\"",
                "GRANT CONNECT ON DATABASE legacy_db TO \"we\"\"ird group\"",
                // reach over every database
                "CREATE ROLE root2 LOGIN SUPERUSER",
                "CREATE ROLE analyst LOGIN",
                "GRANT pg_read_all_data TO analyst",
                "GRANT payments_owner TO users_owner",
                // drift
                "ALTER ROLE plain_owner NOLOGIN",
                "ALTER DATABASE trusted_db OWNER TO intruder",
                "ALTER ROLE users_owner PASSWORD 'set by hand'");
        for (String seed : seeds) {
            execute("postgres", seed);
        }
        execute("payments_db", "CREATE EXTENSION dblink");
        execute("payments_db", "CREATE SERVER \"to orders\" FOREIGN DATA WRAPPER dblink_fdw"
                + " OPTIONS (host '127.0.0.1', port '" + port + "', dbname 'orders_db')");
        execute("orders_db", "CREATE TABLE audited (id int PRIMARY KEY)");
        execute("orders_db", "CREATE PUBLICATION \"orders pub\" FOR TABLE audited");
        execute("users_db", "CREATE SUBSCRIPTION copy_orders CONNECTION 'host=127.0.0.1 port=" + port
                + " dbname=orders_db user=postgres' PUBLICATION \"orders pub\" WITH (connect = false)");
        List<PhysicalDatabase> databases = new ArrayList<>(AuditTarget.of(platform.config(), "main").databases());
        databases.add(new PhysicalDatabase("ghost db", List.of("ghost \"owner\"")));
        AuditTarget target = new AuditTarget("main", "postgres", databases,
                AuditTarget.of(platform.config(), "main").passwords());
        BackendConfig backend = platform.config().backends().get("main");

        Properties intruder = new Properties();
        intruder.setProperty("user", "intruder");
        intruder.setProperty("password", "intruder-pw");
        intruder.setProperty("ApplicationName", "sneaky");
        try (Connection viaPgwarden = platform.connect("orders-service", "orders");
             Connection superuserSession = platform.postgres().adminDataSource("orders_db").getConnection();
             Connection bypass = DriverManager.getConnection(
                     "jdbc:postgresql://127.0.0.1:" + port + "/payments_db", intruder)) {
            viaPgwarden.createStatement().execute("SELECT 1");
            int superuserPid = pid(superuserSession);
            int bypassPid = pid(bypass);

            List<Finding> findings = audit.audit(backend, target);

            assertEquals(List.of(
                    "high public_connect users_db: PUBLIC can connect to users_db",
                    "high connect_grant legacy_db: CONNECT on legacy_db granted to we\"ird group lets in odd member",
                    "high connect_grant orders_db: role intruder can connect to orders_db (CONNECT granted to it)",
                    "high connect_grant payments_db: role intruder can connect to payments_db (CONNECT granted to it)",
                    "high connect_grant trusted_db: role intruder can connect to trusted_db (CONNECT granted to it)",
                    "high superuser null: role root2 is a superuser and can log in",
                    "high all_data null: role analyst is a member of pg_read_all_data",
                    "high membership payments_db: role users_owner is a member of payments_owner, pgwarden's role for payments_db",
                    "high shared_role null: role intruder can connect to orders_db, payments_db, trusted_db",
                    "high shared_role null: role users_owner can connect to payments_db, users_db",
                    "high bypass_session payments_db: session " + bypassPid
                            + " in payments_db as intruder (application \"sneaky\", from 127.0.0.1)",
                    "high foreign_server payments_db: foreign server to orders (dblink_fdw) in payments_db points at orders_db",
                    "high subscription orders_db: subscription copy_orders in users_db copies from orders_db",
                    "high role_missing ghost db: role ghost \"owner\" (pgwarden's role for ghost db) does not exist",
                    "high role_cannot_login plain_db: role plain_owner (pgwarden's role for plain_db) cannot log in",
                    "high database_missing ghost db: database ghost db does not exist",
                    "high owner_drift trusted_db: database trusted_db is owned by intruder, pgwarden's config says trusted_owner",
                    "high password_drift users_db: role users_owner has another password than pgwarden's config gives it",
                    "high connect_missing trusted_db: role trusted_owner (pgwarden's role for trusted_db) cannot connect to it",
                    "medium bypass_session orders_db: superuser session " + superuserPid
                            + " in orders_db as postgres (application \"PostgreSQL JDBC Driver\", from 127.0.0.1)",
                    "medium extension payments_db: extension dblink is installed in payments_db",
                    "medium publication orders_db: publication orders pub in orders_db publishes 1 table"),
                    findings.stream().map(f -> f.severity().label() + " " + f.kind().label() + " " + f.database() + ": "
                            + f.what()).toList());

            for (Finding finding : findings) {
                for (String statement : finding.fix()) {
                    if (!statement.startsWith("--")) {
                        execute(finding.fixIn() == null ? "postgres" : finding.fixIn(), statement);
                    }
                }
            }
            assertEquals(List.of("password_drift"), audit.audit(backend, target).stream().map(f -> f.kind().label()).toList(),
                    "after the printed SQL, the one its comment leaves to provision");
            new Provisioner().provision(platform.config());
            assertEquals(List.of(), audit.audit(backend, target), "after the printed fixes and provision");
        } finally {
            restore();
        }
        assertEquals(List.of(), audit.audit(platform.config()).findings(), "the platform is clean again for other tests");
    }

    /**
     * Schema routing is not in the config yet: the target says by hand that orders_db holds two
     * services' schemas, as the config will once it can.
     */
    @Test
    void aGrantOnAnotherServicesSchemaInASharedDatabaseIsFoundAndFixed() throws Exception {
        List<PhysicalDatabase> databases = new ArrayList<>();
        for (PhysicalDatabase database : AuditTarget.of(platform.config(), "main").databases()) {
            databases.add(database.name().equals("orders_db")
                    ? new PhysicalDatabase("orders_db", List.of("orders_owner", "Billing Owner")) : database);
        }
        AuditTarget target = new AuditTarget("main", "postgres", databases, Map.of(), List.of(
                new AuditTarget.ServiceSchema("orders_db", "orders", "orders_owner"),
                new AuditTarget.ServiceSchema("orders_db", "bill\"ing", "Billing Owner")));
        BackendConfig backend = platform.config().backends().get("main");
        try {
            execute("postgres", "CREATE ROLE \"Billing Owner\" LOGIN");
            execute("postgres", "GRANT CONNECT ON DATABASE orders_db TO \"Billing Owner\"");
            execute("orders_db", "CREATE SCHEMA orders AUTHORIZATION orders_owner");
            execute("orders_db", "CREATE SCHEMA \"bill\"\"ing\" AUTHORIZATION \"Billing Owner\"");
            assertEquals(List.of(), audit.audit(backend, target), "each schema its owner's alone");

            execute("orders_db", "GRANT USAGE, CREATE ON SCHEMA orders TO \"Billing Owner\"");
            execute("orders_db", "GRANT USAGE ON SCHEMA \"bill\"\"ing\" TO PUBLIC");
            List<Finding> findings = audit.audit(backend, target);

            assertEquals(List.of(
                    "schema_grant orders_db: PUBLIC has USAGE on schema bill\"ing in orders_db (Billing Owner's)",
                    "schema_grant orders_db: role Billing Owner has CREATE, USAGE on schema orders in orders_db (orders_owner's)"),
                    findings.stream().map(f -> f.kind().label() + " " + f.database() + ": " + f.what()).toList());
            for (Finding finding : findings) {
                for (String statement : finding.fix()) {
                    execute(finding.fixIn(), statement);
                }
            }
            assertEquals(List.of(), audit.audit(backend, target), "after the printed fixes");
        } finally {
            bestEffort("orders_db", "DROP SCHEMA IF EXISTS orders");
            bestEffort("orders_db", "DROP SCHEMA IF EXISTS \"bill\"\"ing\"");
            bestEffort("postgres", "REVOKE CONNECT ON DATABASE orders_db FROM \"Billing Owner\"");
            bestEffort("postgres", "DROP ROLE IF EXISTS \"Billing Owner\"");
        }
    }

    @Test
    void thePeriodicAuditPublishesItsFindingsFromAThreadOfItsOwn() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        DatabaseConnector pgjdbc = DatabaseConnector.pgjdbc(Duration.ofSeconds(10));
        DatabaseConnector recording = (backend, database) -> {
            threads.add(Thread.currentThread().getName());
            return pgjdbc.connect(backend, database);
        };
        AtomicLong clock = new AtomicLong(1_800_000_000L);
        try (PeriodicAudit periodic = new PeriodicAudit(platform.config(), registry, recording, clock::get)) {
            execute("postgres", "GRANT CONNECT ON DATABASE users_db TO PUBLIC");
            try {
                periodic.auditNow();
            } finally {
                execute("postgres", "REVOKE CONNECT ON DATABASE users_db FROM PUBLIC");
            }
            assertTrue(registry.scrape().contains(
                    "pgwarden_isolation_findings{backend=\"main\",kind=\"public_connect\",severity=\"high\"} 1.0"),
                    registry.scrape());
            assertTrue(registry.scrape().contains("pgwarden_isolation_audit_timestamp_seconds{backend=\"main\"} 1.8E9"),
                    registry.scrape());

            clock.set(1_800_000_600L);
            periodic.auditNow();

            assertFalse(registry.scrape().contains("pgwarden_isolation_findings{"), registry.scrape());
            assertTrue(registry.scrape().contains("pgwarden_isolation_audit_timestamp_seconds{backend=\"main\"} 1.8000006E9"),
                    registry.scrape());
        }
        assertEquals(Set.of("pgwarden-audit"), threads);
    }

    @Test
    void runAuditsEveryIntervalWhenTheConfigSaysSo() throws Exception {
        PgwardenConfig config = ConfigLoader.parse(TestPlatform.CONFIG + "audit: {interval: 10m}\n", "audit.yaml", Map.of(
                "PG_PORT", String.valueOf(platform.postgres().port()),
                "ORDERS_VERIFIER", ScramVerifier.fromPassword("orders-pw").encode())::get);

        try (Pgwarden pgwarden = new Pgwarden(config).start()) {
            // the first audit runs at start; its timestamp is the time it completed
            Eventually.await("the first periodic audit", () -> pgwarden.observability().registry().scrape()
                    .matches("(?s).*pgwarden_isolation_audit_timestamp_seconds\\{backend=\"main\"} 1\\.[0-9.]+E9.*"));
            assertFalse(pgwarden.observability().registry().scrape().contains("pgwarden_isolation_findings{"));
        }
        assertTrue(platform.pgwarden().observability().audit().isEmpty(), "no periodic audit without audit.interval");
    }

    @Test
    void anUnreachableBackendIsAHighFinding() {
        BackendConfig backend = platform.config().backends().get("main").withAddress("127.0.0.1", 1);

        List<Finding> findings = audit.audit(backend, AuditTarget.of(platform.config(), "main"));

        assertEquals(1, findings.size());
        assertEquals("audit_failed", findings.get(0).kind().label());
        assertTrue(findings.get(0).what().startsWith("cannot audit backend main at 127.0.0.1:1 as postgres: "),
                findings.get(0).what());
        assertTrue(new AuditReport(List.of("main"), findings).hasHigh());
    }

    /** Undoes the seeds whatever the fixes did, for the other tests on this platform. */
    private static void restore() {
        bestEffort("users_db", "ALTER SUBSCRIPTION copy_orders DISABLE");
        bestEffort("users_db", "ALTER SUBSCRIPTION copy_orders SET (slot_name = NONE)");
        bestEffort("users_db", "DROP SUBSCRIPTION IF EXISTS copy_orders");
        bestEffort("orders_db", "DROP PUBLICATION IF EXISTS \"orders pub\"");
        bestEffort("orders_db", "DROP TABLE IF EXISTS audited");
        bestEffort("payments_db", "DROP EXTENSION IF EXISTS dblink CASCADE");
        for (String sql : List.of(
                "ALTER DATABASE trusted_db OWNER TO trusted_owner",
                "GRANT CONNECT ON DATABASE trusted_db TO trusted_owner",
                "ALTER ROLE plain_owner LOGIN",
                "ALTER ROLE users_owner PASSWORD 'users-db-pw'",
                "REVOKE payments_owner FROM users_owner",
                "REVOKE CONNECT ON DATABASE users_db FROM PUBLIC",
                "DROP DATABASE IF EXISTS \"ghost db\"",
                "DROP ROLE IF EXISTS \"ghost \"\"owner\"\"\"")) {
            bestEffort("postgres", sql);
        }
        for (String role : List.of("intruder", "\"odd member\"", "\"we\"\"ird group\"", "root2", "analyst")) {
            for (String database : List.of("orders_db", "payments_db", "legacy_db", "trusted_db")) {
                bestEffort("postgres", "REVOKE CONNECT ON DATABASE " + database + " FROM " + role);
            }
            bestEffort("postgres", "DROP ROLE IF EXISTS " + role);
        }
    }

    private static void bestEffort(String database, String sql) {
        try {
            execute(database, sql);
        } catch (SQLException e) {
            // nothing left to undo
        }
    }

    @Test
    void aDatabaseTheAdminCannotOpenIsAFindingAndTheRestIsStillAudited() throws Exception {
        execute("postgres", "GRANT CONNECT ON DATABASE users_db TO PUBLIC");
        execute("postgres", "ALTER DATABASE payments_db WITH ALLOW_CONNECTIONS false");
        try {
            List<Finding> findings = audit.audit(platform.config().backends().get("main"), AuditTarget.of(platform.config(), "main"));

            assertEquals(List.of("public_connect users_db", "audit_failed payments_db"),
                    findings.stream().map(f -> f.kind().label() + " " + f.database()).toList());
            assertTrue(findings.get(1).what().startsWith("cannot read the objects in payments_db as postgres: "),
                    findings.get(1).what());
        } finally {
            execute("postgres", "ALTER DATABASE payments_db WITH ALLOW_CONNECTIONS true");
            execute("postgres", "REVOKE CONNECT ON DATABASE users_db FROM PUBLIC");
        }
    }

    /** The platform's routing file with its port and verifier filled in, as an operator would have it. */
    private static Path configFile(Path directory) throws Exception {
        return Files.writeString(directory.resolve("pgwarden.yaml"), TestPlatform.CONFIG
                .replace("${PG_PORT}", String.valueOf(platform.postgres().port()))
                .replace("${ORDERS_VERIFIER}", ScramVerifier.fromPassword("orders-pw").encode()));
    }

    private static void execute(String database, String sql) throws SQLException {
        try (Connection admin = platform.postgres().adminDataSource(database).getConnection();
             Statement statement = admin.createStatement()) {
            statement.execute(sql);
        }
    }

    private static int pid(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT pg_backend_pid()")) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
