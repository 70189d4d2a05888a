package io.pgwarden.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgwarden.TestPlatform;
import io.pgwarden.audit.DatabaseConnector;
import io.pgwarden.audit.Finding;
import io.pgwarden.audit.FindingKind;
import io.pgwarden.audit.IsolationAudit;
import io.pgwarden.provision.ProvisionReport;
import io.pgwarden.provision.Provisioner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Three services as three schemas of one physical database {@code shop}, provisioned by pgwarden,
 * through a real PostgreSQL 17 and pgjdbc.
 */
class SchemaRoutingIT {

    static final String CONFIG = """
            listen: {host: 127.0.0.1, port: 0}
            admin_services: [ops]
            backends:
              main: {host: 127.0.0.1, port: "${PG_PORT}", admin_user: postgres}
            databases:
              orders:    {backend: main, dbname: shop, schema: orders, user: orders_owner, password: orders-db-pw}
              # the same schema in transaction mode, on one server connection shared by its clients
              orders_tx: {backend: main, dbname: shop, schema: orders, user: orders_owner, password: orders-db-pw,
                          pool_mode: transaction, pool_size: 1}
              payments:  {backend: main, dbname: shop, schema: Payments-2, user: payments_owner, password: payments-db-pw,
                          pool_mode: transaction, pool_size: 2}
              users:     {backend: main, dbname: shop, schema: users, user: users_owner, password: users-db-pw,
                          public_schema: true}
            services:
              orders-service: {password: orders-pw, databases: [orders, orders_tx]}
              payments-service: {password: payments-pw, databases: [payments]}
              users-service: {password: users-pw, databases: [users]}
              ops: {password: ops-pw}
            """;

    private static final String INSUFFICIENT_PRIVILEGE = "42501";

    private static TestPlatform platform;

    @BeforeAll
    static void start() throws Exception {
        platform = TestPlatform.start(CONFIG, Map.of());
        // each service makes its own table t through pgwarden, unqualified: it lands in its schema
        for (String[] service : new String[][] {{"orders-service", "orders"}, {"payments-service", "payments"},
                {"users-service", "users"}}) {
            try (Connection c = connect(service[0], service[1]); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE t (owner text)");
                st.execute("INSERT INTO t VALUES ('" + service[0] + "')");
            }
        }
    }

    @AfterAll
    static void stop() {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void eachServiceSeesOnlyItsOwnTables() throws SQLException {
        assertEquals(List.of("orders-service", "orders", "shop"),
                row("orders-service", "orders", "SELECT owner, current_schema(), current_database() FROM t"));
        assertEquals(List.of("payments-service", "Payments-2", "shop"),
                row("payments-service", "payments", "SELECT owner, current_schema(), current_database() FROM t"));
        assertEquals(List.of("users-service", "users", "shop"),
                row("users-service", "users", "SELECT owner, current_schema(), current_database() FROM t"));
        // the search_path each was given, quoted where PostgreSQL would otherwise fold the name
        assertEquals(List.of("orders"), row("orders-service", "orders", "SHOW search_path"));
        assertEquals(List.of("\"Payments-2\""), row("payments-service", "payments", "SHOW search_path"));
        assertEquals(List.of("users, public"), row("users-service", "users", "SHOW search_path"));
    }

    @Test
    void aServiceThatNamesAnotherSchemaGetsPostgresPermissionDenied() {
        assertEquals(INSUFFICIENT_PRIVILEGE, sqlState("orders-service", "orders", "SELECT * FROM \"Payments-2\".t"));
        assertEquals(INSUFFICIENT_PRIVILEGE, sqlState("orders-service", "orders_tx", "SELECT * FROM users.t"));
        assertEquals(INSUFFICIENT_PRIVILEGE, sqlState("payments-service", "payments", "SELECT * FROM orders.t"));
        assertEquals(INSUFFICIENT_PRIVILEGE, sqlState("users-service", "users", "SELECT * FROM \"Payments-2\".t"));
        // public is closed, and only used (never written) by a database that asks for it
        assertEquals(INSUFFICIENT_PRIVILEGE, sqlState("orders-service", "orders", "CREATE TABLE public.x (i int)"));
        assertEquals(INSUFFICIENT_PRIVILEGE, sqlState("users-service", "users", "CREATE TABLE public.x (i int)"));
        assertEquals(INSUFFICIENT_PRIVILEGE, sqlState("orders-service", "orders", "CREATE SCHEMA elsewhere"));
    }

    @Test
    void aClientsOwnSearchPathWinsAndSoDoesALaterSet() throws SQLException {
        Properties own = new Properties();
        own.setProperty("options", "-c search_path=orders,pg_catalog");
        try (Connection c = connect("orders-service", "orders", own); Statement st = c.createStatement()) {
            assertEquals("orders,pg_catalog", single(st, "SHOW search_path"));
            st.execute("SET search_path = pg_catalog");
            assertEquals("pg_catalog", single(st, "SHOW search_path"));
        }
        Properties currentSchema = new Properties();
        currentSchema.setProperty("currentSchema", "pg_catalog");
        try (Connection c = connect("orders-service", "orders_tx", currentSchema); Statement st = c.createStatement()) {
            assertEquals("pg_catalog", single(st, "SHOW search_path"));
        }
    }

    @Test
    void inTransactionModeTheSearchPathFollowsEachClientOnOneSharedServer() throws SQLException {
        Properties own = new Properties();
        own.setProperty("options", "-c search_path=audit");
        try (Connection a = connect("orders-service", "orders_tx", own); Statement sa = a.createStatement();
             Connection b = connect("orders-service", "orders_tx"); Statement sb = b.createStatement()) {
            for (int round = 0; round < 3; round++) {
                assertEquals("audit", single(sa, "SHOW search_path"));
                assertEquals("orders", single(sb, "SHOW search_path"));
                assertEquals("orders-service", single(sb, "SELECT owner FROM t"));
            }
        }
    }

    @Test
    void resetAllAndDiscardAllComeBackToTheSchemaInSessionMode() throws SQLException {
        try (Connection c = connect("orders-service", "orders"); Statement st = c.createStatement()) {
            st.execute("SET search_path = pg_catalog");
            st.execute("RESET ALL");
            assertEquals("orders", single(st, "SHOW search_path"));
            st.execute("SET search_path = pg_catalog");
            st.execute("DISCARD ALL");
            assertEquals("orders", single(st, "SHOW search_path"));
            assertEquals("orders-service", single(st, "SELECT owner FROM t"));
        }
    }

    @Test
    void resetAllAndDiscardAllComeBackToEachClientsStartupValueInTransactionMode() throws SQLException {
        Properties own = new Properties();
        own.setProperty("options", "-c search_path=audit");
        for (String reset : List.of("RESET ALL", "DISCARD ALL", "RESET search_path")) {
            try (Connection a = connect("orders-service", "orders_tx", own); Statement sa = a.createStatement();
                 Connection b = connect("orders-service", "orders_tx"); Statement sb = b.createStatement()) {
                sa.execute(reset);
                assertEquals("audit", single(sa, "SHOW search_path"), "after " + reset);
                sb.execute("SET search_path = pg_catalog");
                sb.execute(reset);
                assertEquals("orders", single(sb, "SHOW search_path"), "after " + reset);
                assertEquals("orders-service", single(sb, "SELECT owner FROM t"));
            }
        }
    }

    @Test
    void provisioningMadeTheSchemasAndIsIdempotentAndRepairsDrift() throws Exception {
        assertEquals(List.of("postgres", "orders_owner", "payments_owner", "users_owner"), admin("shop",
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'shop' UNION ALL "
                        + "(SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname IN ('orders', 'Payments-2', 'users')"
                        + " ORDER BY 1)"));
        Provisioner provisioner = new Provisioner();
        ProvisionReport again = provisioner.provision(platform.config());
        assertTrue(again.isEmpty(), again.descriptions().toString());

        admin("shop", "GRANT USAGE ON SCHEMA \"Payments-2\" TO orders_owner");
        admin("shop", "GRANT CREATE ON SCHEMA public TO PUBLIC");
        admin("shop", "GRANT CREATE ON SCHEMA public TO users_owner");
        String mayUsePayments = "SELECT has_schema_privilege('Payments-2', 'USAGE')";
        assertEquals("t", single("orders-service", "orders", mayUsePayments));

        ProvisionReport repaired = provisioner.provision(platform.config());

        assertEquals(List.of(
                "revoked USAGE and CREATE on schema public in shop from PUBLIC",
                "revoked USAGE and CREATE on schema Payments-2 in shop from orders_owner",
                "revoked CREATE on schema public in shop from users_owner"), repaired.descriptions());
        assertEquals("f", single("orders-service", "orders", mayUsePayments));
        assertTrue(provisioner.provision(platform.config()).isEmpty());
    }

    @Test
    void theIsolationAuditFindsNoSchemaGrantAfterProvisionAndFindsOneMadeByHand() throws Exception {
        IsolationAudit audit = new IsolationAudit(DatabaseConnector.pgjdbc(Duration.ofSeconds(10)));
        assertEquals(List.of(), schemaGrants(audit));

        admin("shop", "GRANT USAGE ON SCHEMA users TO payments_owner");
        try {
            assertEquals(List.of("role payments_owner has USAGE on schema users in shop (users_owner's)"), schemaGrants(audit));
        } finally {
            admin("shop", "REVOKE ALL ON SCHEMA users FROM payments_owner");
        }
    }

    private static List<String> schemaGrants(IsolationAudit audit) {
        return audit.audit(platform.config()).findings().stream()
                .filter(finding -> finding.kind() == FindingKind.SCHEMA_GRANT).map(Finding::what).toList();
    }

    @Test
    void showDatabasesAndShowConfigShowTheSchema() throws SQLException {
        Properties simple = new Properties();
        simple.setProperty("preferQueryMode", "simple");
        try (Connection console = connect("ops", "pgwarden", simple); Statement st = console.createStatement()) {
            List<String> schemas = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SHOW DATABASES")) {
                while (rs.next()) {
                    schemas.add(rs.getString("name") + "=" + rs.getString("database") + "/" + rs.getString("schema"));
                }
            }
            assertEquals(List.of("orders=shop/orders", "orders_tx=shop/orders", "payments=shop/Payments-2", "users=shop/users"),
                    schemas);
            List<String> config = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SHOW CONFIG")) {
                while (rs.next()) {
                    if (rs.getString("key").startsWith("databases.payments.") || rs.getString("key").startsWith("databases.users.")) {
                        config.add(rs.getString("key") + "=" + rs.getString("value"));
                    }
                }
            }
            assertTrue(config.containsAll(List.of("databases.payments.schema=Payments-2", "databases.payments.public_schema=false",
                    "databases.users.schema=users", "databases.users.public_schema=true")), config.toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"payments", "users"})
    void flywayWithDefaultSchemaMigratesInsideTheSchema(String database, @TempDir Path migrations) throws Exception {
        String service = database + "-service";
        String schema = platform.config().database(database).orElseThrow().schema();
        Files.writeString(migrations.resolve("V1__accounts.sql"),
                "CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL);\nINSERT INTO accounts VALUES (1, 100);\n");
        Files.writeString(migrations.resolve("V2__owner.sql"), "ALTER TABLE accounts ADD COLUMN owner text;\n");
        Flyway flyway = Flyway.configure()
                .dataSource(platform.jdbcUrl(database), service, PASSWORDS.get(service))
                .defaultSchema(schema)
                .baselineOnMigrate(true) // the schema already holds the service's table t
                .baselineVersion("0")
                .locations("filesystem:" + migrations)
                .load();

        assertEquals(2, flyway.migrate().migrationsExecuted);
        assertEquals(0, flyway.migrate().migrationsExecuted); // the history is read back from the schema

        assertEquals(List.of("2", "100", schema), row(service, database,
                "SELECT max(version), (SELECT balance FROM accounts WHERE id = 1), current_schema() FROM flyway_schema_history"));
        assertEquals(INSUFFICIENT_PRIVILEGE, sqlState("orders-service", "orders", "SELECT * FROM " + quote(schema) + ".accounts"));
    }

    private static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static final Map<String, String> PASSWORDS = Map.of("orders-service", "orders-pw", "payments-service", "payments-pw",
            "users-service", "users-pw", "ops", "ops-pw");

    private static Connection connect(String service, String database) throws SQLException {
        return connect(service, database, new Properties());
    }

    private static Connection connect(String service, String database, Properties extra) throws SQLException {
        return platform.connect(service, PASSWORDS.get(service), database, extra);
    }

    private static List<String> row(String service, String database, String sql) throws SQLException {
        try (Connection c = connect(service, database); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            List<String> values = new ArrayList<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                values.add(rs.getString(i));
            }
            return values;
        }
    }

    private static String single(String service, String database, String sql) throws SQLException {
        return row(service, database, sql).get(0);
    }

    private static String single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getString(1);
        }
    }

    /** The SQLSTATE PostgreSQL answers {@code sql} with, through pgwarden. */
    private static String sqlState(String service, String database, String sql) {
        SQLException refused = assertThrows(SQLException.class, () -> {
            try (Connection c = connect(service, database); Statement st = c.createStatement()) {
                st.execute(sql);
            }
        }, sql);
        return refused.getSQLState();
    }

    /** Runs {@code sql} as the admin directly on {@code database}; the first column of every row, if any. */
    private static List<String> admin(String database, String sql) throws SQLException {
        try (Connection admin = platform.postgres().adminDataSource(database).getConnection(); Statement st = admin.createStatement()) {
            List<String> values = new ArrayList<>();
            if (st.execute(sql)) {
                try (ResultSet rs = st.getResultSet()) {
                    while (rs.next()) {
                        values.add(rs.getString(1));
                    }
                }
            }
            return values;
        }
    }
}
