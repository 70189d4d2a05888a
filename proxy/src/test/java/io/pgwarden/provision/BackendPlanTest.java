package io.pgwarden.provision;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.PoolSettings;
import io.pgwarden.provision.BackendPlan.PhysicalDatabase;
import io.pgwarden.provision.BackendPlan.Schema;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BackendPlanTest {

    @Test
    void oneEntryPerPhysicalDatabaseWithTheFirstUserAsOwner() {
        BackendPlan plan = BackendPlan.of(List.of(
                database("orders", "orders_db", "orders_owner", "a"),
                database("orders-ro", "orders_db", "orders_reader", "b"),
                database("users", "users_db", "users_owner", "c"),
                database("orders-again", "orders_db", "orders_owner", "ignored")), "postgres");

        assertEquals(List.of(
                new PhysicalDatabase("orders_db", List.of("orders_owner", "orders_reader")),
                new PhysicalDatabase("users_db", List.of("users_owner"))), plan.databases());
        assertEquals("orders_owner", plan.databases().get(0).owner());
        assertEquals(Map.of("orders_owner", "a", "orders_reader", "b", "users_owner", "c"), plan.passwords());
    }

    @Test
    void aMissingPasswordMeansNone() {
        BackendPlan plan = BackendPlan.of(List.of(database("open", "open_db", "open_owner", null)), "postgres");

        assertEquals("", plan.passwords().get("open_owner"));
    }

    @Test
    void aDatabaseSharedAsSchemasIsOwnedByTheAdminOrByTheOneRoleWithoutASchema() {
        BackendPlan plan = BackendPlan.of(List.of(
                schema("orders", "shop", "orders", "orders_owner", false),
                schema("orders_tx", "shop", "orders", "orders_owner", true),
                schema("payments", "shop", "Payments-2", "payments_owner", false),
                schema("users", "users_db", "users", "users_owner", false),
                database("legacy", "users_db", "legacy_owner", "x")), "postgres");

        assertEquals(List.of(
                new PhysicalDatabase("shop", "postgres", List.of("orders_owner", "payments_owner"),
                        List.of(new Schema("orders", "orders_owner", true), new Schema("Payments-2", "payments_owner", false)), ""),
                new PhysicalDatabase("users_db", "legacy_owner", List.of("users_owner", "legacy_owner"),
                        List.of(new Schema("users", "users_owner", false)), "legacy_owner")), plan.databases());
    }

    private static DatabaseConfig schema(String name, String dbname, String schema, String user, boolean withPublic) {
        return new DatabaseConfig(name, "main", dbname, user, "pw", PoolSettings.DEFAULTS, schema, withPublic);
    }

    private static DatabaseConfig database(String name, String dbname, String user, String password) {
        return new DatabaseConfig(name, "main", dbname, user, password, PoolSettings.DEFAULTS);
    }
}
