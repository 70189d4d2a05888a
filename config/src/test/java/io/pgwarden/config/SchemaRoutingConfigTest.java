package io.pgwarden.config;

import static io.pgwarden.config.TestConfigs.errorsOf;
import static io.pgwarden.config.TestConfigs.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** databases.<name>.schema: reading, the search_path it gives, and the rules of sharing a physical database. */
class SchemaRoutingConfigTest {

    /** Databases start on line 4; a test's entries follow. */
    private static String databases(String... entries) {
        StringBuilder yaml = new StringBuilder("""
                backends:
                  main: {host: h}
                databases:
                """);
        for (String entry : entries) {
            yaml.append("  ").append(entry).append('\n');
        }
        return yaml.append("services:\n  svc: {password: p, databases: [orders]}\n").toString();
    }

    @Test
    void aSchemaIsReadWithItsSearchPath() throws ConfigException {
        PgwardenConfig config = parse(databases(
                "orders: {backend: main, dbname: shop, schema: orders, user: orders_owner}",
                "Billing: {backend: main, dbname: shop, schema: Orders-2, user: billing_owner, public_schema: true}",
                "legacy: {backend: main, dbname: shop, user: shop_owner}"));

        DatabaseConfig orders = config.databases().get("orders");
        assertEquals("orders", orders.schema());
        assertTrue(orders.hasSchema());
        assertFalse(orders.publicSchema());
        assertEquals("orders", orders.searchPath());
        assertEquals("\"Orders-2\", public", config.databases().get("Billing").searchPath());
        assertFalse(config.databases().get("legacy").hasSchema());
        assertEquals("", config.databases().get("legacy").searchPath());
    }

    @Test
    void searchPathQuotesWhatPostgresWouldOtherwiseFoldOrSplit() {
        assertEquals("\"a \"\"b\"\", c\"", schema("a \"b\", c").searchPath());
        assertEquals("\"Orders\"", schema("Orders").searchPath());
        assertEquals("orders_2", schema("orders_2").searchPath());
    }

    private static DatabaseConfig schema(String name) {
        return new DatabaseConfig("d", "main", "shop", "u", "", PoolSettings.DEFAULTS, name, false);
    }

    @Test
    void aSchemaMustBeAUsableName() {
        assertEquals(List.of(
                "databases.a.schema (line 4): must not be empty: leave it out to route to the whole database",
                "databases.b.schema (line 5): 'pg_temp_x': names starting with pg_ are reserved for PostgreSQL's system schemas",
                "databases.c.schema (line 6): 'public' is not a schema of its own: leave schema out to route to the whole"
                        + " database, public included",
                "databases.d.schema (line 7): '" + "x".repeat(64) + "' is longer than PostgreSQL's 63 bytes for a name",
                "databases.e.schema (line 8): 'information_schema' is not a schema of its own (PostgreSQL gives it another meaning)"),
                errorsOf(databases(
                        "a: {backend: main, dbname: shop, schema: '', user: a}",
                        "b: {backend: main, dbname: shop, schema: pg_temp_x, user: b}",
                        "c: {backend: main, dbname: shop, schema: public, user: c}",
                        "d: {backend: main, dbname: shop, schema: " + "x".repeat(64) + ", user: d}",
                        "e: {backend: main, dbname: shop, schema: information_schema, user: e}",
                        "orders: {backend: main, user: o}")));
        // 63 bytes, two of them per character: still one name
        assertEquals("é".repeat(31), assertParses("é".repeat(31)));
    }

    private static String assertParses(String schema) {
        try {
            return parse(databases("orders: {backend: main, dbname: shop, schema: " + schema + ", user: o}"))
                    .databases().get("orders").schema();
        } catch (ConfigException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    @Test
    void publicSchemaNeedsASchema() {
        assertEquals(List.of("databases.orders.public_schema (line 4): applies only with schema:"
                        + " (a database without one sees its public schema anyway)"),
                errorsOf(databases("orders: {backend: main, user: o, public_schema: true}")));
    }

    @Test
    void twoRolesMayNotShareASchema() {
        assertEquals(List.of("databases.payments.schema (line 5): schema 'orders' of database 'shop' on backend 'main' is"
                        + " already databases.orders (role orders_owner): give this one a schema of its own"
                        + " (two logical databases may share a schema only with the same user)"),
                errorsOf(databases(
                        "orders: {backend: main, dbname: shop, schema: orders, user: orders_owner}",
                        "payments: {backend: main, dbname: shop, schema: orders, user: payments_owner}")));
    }

    @Test
    void atMostOneRoleGoesWithoutASchemaBesideSchemas() {
        assertEquals(List.of("databases.other (line 6): database 'shop' on backend 'main' is already databases.legacy"
                        + " without a schema (role shop_owner): give this one a schema of its own"
                        + " (two logical databases may share a schema only with the same user)"),
                errorsOf(databases(
                        "orders: {backend: main, dbname: shop, schema: orders, user: orders_owner}",
                        "legacy: {backend: main, dbname: shop, user: shop_owner}",
                        "other: {backend: main, dbname: shop, user: other_owner}")));
    }

    @Test
    void oneRoleMayNotHaveTwoSchemasOfOneDatabase() {
        assertEquals(List.of("databases.payments.user (line 5): role 'orders_owner' is already the role of databases.orders"
                        + " (schema 'orders') in database 'shop' on backend 'main': each schema needs a role of its own,"
                        + " so that PostgreSQL keeps them apart"),
                errorsOf(databases(
                        "orders: {backend: main, dbname: shop, schema: orders, user: orders_owner}",
                        "payments: {backend: main, dbname: shop, schema: payments, user: orders_owner}")));
    }

    @Test
    void oneSchemaAndRoleMayBeReachedInBothPoolModes() throws ConfigException {
        PgwardenConfig config = parse(databases(
                "orders: {backend: main, dbname: shop, schema: orders, user: orders_owner}",
                "orders_tx: {backend: main, dbname: shop, schema: orders, user: orders_owner, pool_mode: transaction}",
                "payments: {backend: main, dbname: shop, schema: payments, user: payments_owner}"));
        assertEquals(3, config.databases().size());
    }

    @Test
    void theSameSchemaInAnotherPhysicalDatabaseIsAnotherPlace() throws ConfigException {
        PgwardenConfig config = parse(databases(
                "orders: {backend: main, dbname: shop, schema: app, user: orders_owner}",
                "payments: {backend: main, dbname: bank, schema: app, user: payments_owner}"));
        assertEquals(2, config.databases().size());
    }

    @Test
    void databasesWithoutSchemasShareAsBefore() throws ConfigException {
        PgwardenConfig config = parse(databases(
                "orders: {backend: main, dbname: shop, user: orders_owner}",
                "reports: {backend: main, dbname: shop, user: reports_owner}"));
        assertEquals(2, config.databases().size());
    }
}
