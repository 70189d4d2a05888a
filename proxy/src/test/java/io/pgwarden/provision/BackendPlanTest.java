package io.pgwarden.provision;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.PoolSettings;
import io.pgwarden.provision.BackendPlan.PhysicalDatabase;
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
                database("orders-again", "orders_db", "orders_owner", "ignored")));

        assertEquals(List.of(
                new PhysicalDatabase("orders_db", List.of("orders_owner", "orders_reader")),
                new PhysicalDatabase("users_db", List.of("users_owner"))), plan.databases());
        assertEquals("orders_owner", plan.databases().get(0).owner());
        assertEquals(Map.of("orders_owner", "a", "orders_reader", "b", "users_owner", "c"), plan.passwords());
    }

    @Test
    void aMissingPasswordMeansNone() {
        BackendPlan plan = BackendPlan.of(List.of(database("open", "open_db", "open_owner", null)));

        assertEquals("", plan.passwords().get("open_owner"));
    }

    private static DatabaseConfig database(String name, String dbname, String user, String password) {
        return new DatabaseConfig(name, "main", dbname, user, password, PoolSettings.DEFAULTS);
    }
}
