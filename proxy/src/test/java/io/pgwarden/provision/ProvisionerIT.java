package io.pgwarden.provision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgwarden.config.BackendConfig;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.ListenConfig;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.config.PoolSettings;
import io.pgwarden.embedded.EmbeddedPostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** Against a real PostgreSQL 17 whose pg_hba.conf makes every role but the admin log in with SCRAM. */
class ProvisionerIT {

    private static final String INSUFFICIENT_PRIVILEGE = "42501";

    private static EmbeddedPostgresServer server;
    private static ProvisionReport firstRun;

    @BeforeAll
    static void provisionOnce() throws Exception {
        server = EmbeddedPostgresServer.start(0, null);
        firstRun = new Provisioner().provision(config(
                database("orders", "orders_db", "orders_owner", "orders-secret"),
                database("users", "users_db", "users_owner", "users-secret"),
                database("Billing", "Billing-DB", "billing-Owner", "it's \"quoted\""),
                database("open", "open_db", "open_owner", "")));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void firstRunCreatesEverythingAndSaysSo() {
        assertEquals(List.of(
                "created role orders_owner",
                "created database orders_db owned by orders_owner",
                "revoked CONNECT on orders_db from PUBLIC",
                "created role users_owner",
                "created database users_db owned by users_owner",
                "revoked CONNECT on users_db from PUBLIC",
                "created role billing-Owner",
                "created database Billing-DB owned by billing-Owner",
                "revoked CONNECT on Billing-DB from PUBLIC",
                "created role open_owner",
                "created database open_db owned by open_owner",
                "revoked CONNECT on open_db from PUBLIC"), firstRun.descriptions());
        assertTrue(firstRun.changes().stream().allMatch(change -> change.backend().equals("main")));
    }

    @Test
    void secondRunChangesNothing() throws Exception {
        ProvisionReport second = new Provisioner().provision(config(
                database("orders", "orders_db", "orders_owner", "orders-secret"),
                database("users", "users_db", "users_owner", "users-secret"),
                database("Billing", "Billing-DB", "billing-Owner", "it's \"quoted\""),
                database("open", "open_db", "open_owner", "")));

        assertTrue(second.isEmpty(), second.descriptions().toString());
    }

    @Test
    void publicCannotConnectAnyMore() throws SQLException {
        assertFalse(adminBoolean("SELECT has_database_privilege('public', 'orders_db', 'CONNECT')"));
        assertFalse(adminBoolean("SELECT has_database_privilege('public', 'Billing-DB', 'CONNECT')"));
    }

    @Test
    void anotherServiceRoleCannotConnectToThisDatabase() throws SQLException {
        try (Connection users = login("users_owner", "users-secret", "users_db")) {
            assertTrue(users.isValid(1));
        }

        SQLException refused = assertThrows(SQLException.class,
                () -> login("users_owner", "users-secret", "orders_db").close());
        assertEquals(INSUFFICIENT_PRIVILEGE, refused.getSQLState());
    }

    @Test
    void ownerLogsInThroughScramAndOwnsItsDatabase() throws SQLException {
        try (Connection orders = login("orders_owner", "orders-secret", "orders_db");
             Statement statement = orders.createStatement();
             ResultSet rows = statement.executeQuery("SELECT current_user, pg_get_userbyid(datdba) "
                     + "FROM pg_database WHERE datname = current_database()")) {
            rows.next();
            assertEquals("orders_owner", rows.getString(1));
            assertEquals("orders_owner", rows.getString(2));
        }
        assertTrue(storedPassword("orders_owner").startsWith("SCRAM-SHA-256$"));
    }

    @Test
    void namesThatNeedQuotingWork() throws SQLException {
        try (Connection billing = login("billing-Owner", "it's \"quoted\"", "Billing-DB")) {
            assertTrue(billing.isValid(1));
        }
    }

    @Test
    void anEmptyPasswordCreatesARoleWithoutOne() throws SQLException {
        assertNull(storedPassword("open_owner"));
    }

    @Test
    void changedPasswordIsSetOnceAndOnlyThen() throws Exception {
        Provisioner provisioner = new Provisioner();
        provisioner.provision(config(database("audit", "audit_db", "audit_owner", "old-secret")));

        ProvisionReport changed = provisioner.provision(config(database("audit", "audit_db", "audit_owner", "new-secret")));
        ProvisionReport again = provisioner.provision(config(database("audit", "audit_db", "audit_owner", "new-secret")));

        assertEquals(List.of("changed password of role audit_owner"), changed.descriptions());
        assertTrue(again.isEmpty(), again.descriptions().toString());
        try (Connection audit = login("audit_owner", "new-secret", "audit_db")) {
            assertTrue(audit.isValid(1));
        }
    }

    @Test
    void driftIsRepaired() throws Exception {
        Provisioner provisioner = new Provisioner();
        PgwardenConfig config = config(database("ledger", "ledger_db", "ledger_owner", "ledger-secret"));
        provisioner.provision(config);
        adminExecute("ALTER DATABASE ledger_db OWNER TO postgres");
        adminExecute("GRANT CONNECT ON DATABASE ledger_db TO PUBLIC");
        adminExecute("ALTER ROLE ledger_owner NOLOGIN");

        ProvisionReport repaired = provisioner.provision(config);

        assertEquals(List.of(
                "allowed role ledger_owner to log in",
                "changed owner of database ledger_db from postgres to ledger_owner",
                "revoked CONNECT on ledger_db from PUBLIC"), repaired.descriptions());
        assertTrue(provisioner.provision(config).isEmpty());
    }

    @Test
    void aSharedPhysicalDatabaseKeepsItsFirstOwnerAndGrantsTheOthers() throws Exception {
        Provisioner provisioner = new Provisioner();
        PgwardenConfig config = config(
                database("shop", "shop_db", "shop_owner", "shop-secret"),
                database("shop-readonly", "shop_db", "shop_reader", "reader-secret"));

        ProvisionReport first = provisioner.provision(config);

        assertEquals(List.of(
                "created role shop_owner",
                "created role shop_reader",
                "created database shop_db owned by shop_owner",
                "revoked CONNECT on shop_db from PUBLIC",
                "granted CONNECT on shop_db to shop_reader"), first.descriptions());
        assertTrue(provisioner.provision(config).isEmpty());
        try (Connection reader = login("shop_reader", "reader-secret", "shop_db")) {
            assertTrue(reader.isValid(1));
        }
    }

    @Test
    void aDatabaseWithOneServiceWithoutASchemaStaysItsAndTheSchemaServiceGetsOnlyItsSchema() throws Exception {
        Provisioner provisioner = new Provisioner();
        PgwardenConfig config = config(
                database("legacy", "mixed_db", "legacy_app", "legacy-secret"),
                new DatabaseConfig("tenant", "main", "mixed_db", "tenant_app", "tenant-secret", PoolSettings.DEFAULTS,
                        "Tenant One", false));

        ProvisionReport first = provisioner.provision(config);

        assertEquals(List.of(
                "created role legacy_app",
                "created role tenant_app",
                "created database mixed_db owned by legacy_app",
                "revoked CONNECT on mixed_db from PUBLIC",
                "granted CONNECT on mixed_db to tenant_app",
                "created schema Tenant One in mixed_db owned by tenant_app",
                "revoked USAGE and CREATE on schema public in mixed_db from PUBLIC"), first.descriptions());
        assertTrue(provisioner.provision(config).isEmpty());
        try (Connection legacy = login("legacy_app", "legacy-secret", "mixed_db"); Statement st = legacy.createStatement()) {
            st.execute("CREATE TABLE public.old_table (i int)"); // the database's own service keeps public
            assertEquals(INSUFFICIENT_PRIVILEGE, assertThrows(SQLException.class,
                    () -> st.execute("CREATE TABLE \"Tenant One\".intruder (i int)")).getSQLState());
        }
        try (Connection tenant = login("tenant_app", "tenant-secret", "mixed_db"); Statement st = tenant.createStatement()) {
            st.execute("CREATE TABLE \"Tenant One\".mine (i int)");
            assertEquals(INSUFFICIENT_PRIVILEGE, assertThrows(SQLException.class,
                    () -> st.execute("SELECT * FROM public.old_table")).getSQLState());
        }
    }

    @Test
    void failureNamesTheBackend() {
        BackendConfig unreachable = new BackendConfig("elsewhere", "127.0.0.1", 1, "postgres", "", "postgres", false);
        PgwardenConfig config = new PgwardenConfig(ListenConfig.DEFAULT, Map.of("elsewhere", unreachable),
                Map.of("x", new DatabaseConfig("x", "elsewhere", "x", "x", "secret-value", PoolSettings.DEFAULTS)),
                Map.of());

        ProvisionException failure = assertThrows(ProvisionException.class, () -> new Provisioner().provision(config));

        assertTrue(failure.getMessage().contains("backend elsewhere at 127.0.0.1:1"), failure.getMessage());
        assertFalse(failure.getMessage().contains("secret-value"));
    }

    private static PgwardenConfig config(DatabaseConfig... databases) {
        BackendConfig main = new BackendConfig("main", server.host(), server.port(), "postgres", "", "postgres", true);
        Map<String, DatabaseConfig> byName = new LinkedHashMap<>();
        for (DatabaseConfig database : databases) {
            byName.put(database.name(), database);
        }
        return new PgwardenConfig(ListenConfig.DEFAULT, Map.of("main", main), byName, Map.of());
    }

    private static DatabaseConfig database(String name, String dbname, String user, String password) {
        return new DatabaseConfig(name, "main", dbname, user, password, PoolSettings.DEFAULTS);
    }

    private static Connection login(String user, String password, String database) throws SQLException {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setServerNames(new String[] {server.host()});
        dataSource.setPortNumbers(new int[] {server.port()});
        dataSource.setDatabaseName(database);
        dataSource.setUser(user);
        dataSource.setPassword(password);
        return dataSource.getConnection();
    }

    private static String storedPassword(String role) throws SQLException {
        try (Connection admin = server.adminDataSource("postgres").getConnection();
             PreparedStatement query = admin.prepareStatement("SELECT rolpassword FROM pg_authid WHERE rolname = ?")) {
            query.setString(1, role);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getString(1);
            }
        }
    }

    private static boolean adminBoolean(String sql) throws SQLException {
        try (Connection admin = server.adminDataSource("postgres").getConnection();
             Statement statement = admin.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getBoolean(1);
        }
    }

    private static void adminExecute(String sql) throws SQLException {
        try (Connection admin = server.adminDataSource("postgres").getConnection();
             Statement statement = admin.createStatement()) {
            statement.execute(sql);
        }
    }
}
