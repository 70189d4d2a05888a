package io.pgwarden.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigDiffTest {

    private static final String BASE = """
            listen: {host: 127.0.0.1, port: 6432}
            admin_services: [ops]
            backends:
              main: {host: 127.0.0.1, max_connections: 50}
            databases:
              orders: {backend: main, user: orders_owner, password: secret-one, pool_size: 5}
              users: {backend: main, user: users_owner}
            services:
              orders-service: {password: orders-pass, databases: [orders, users]}
              ops: {password: ops-pass}
            """;

    private static ConfigDiff diff(String after) throws ConfigException {
        return ConfigDiff.between(TestConfigs.parse(BASE), TestConfigs.parse(after));
    }

    private static List<String> lines(ConfigDiff diff) {
        return diff.changes().stream().map(ConfigChange::describe).toList();
    }

    @Test
    void theSameFileChangesNothing() throws ConfigException {
        ConfigDiff diff = diff(BASE);
        assertTrue(diff.isEmpty(), lines(diff).toString());
        assertEquals(TestConfigs.parse(BASE), diff.effective());
    }

    @Test
    void aRevokedGrantAndARemovedServiceAreTheirOwnChanges() throws ConfigException {
        ConfigDiff diff = diff(BASE.replace("databases: [orders, users]", "databases: [orders]")
                .replace("  ops: {password: ops-pass}", "  ops: {password: ops-pass}\n  billing: {password: b, databases: [users]}"));
        assertEquals(List.of(
                new ConfigChange(ConfigChange.Kind.SERVICE_ADDED, "billing", "", ""),
                new ConfigChange(ConfigChange.Kind.GRANT_REVOKED, "orders-service", "users", "")), diff.changes());
        assertEquals("service \"orders-service\" no longer granted database \"users\": its clients there are ended at the end"
                + " of their transaction", diff.changes().get(1).describe());
    }

    @Test
    void aChangedPasswordIsNamedButNeverShown() throws ConfigException {
        ConfigDiff diff = diff(BASE.replace("orders-pass", "new-orders-pass").replace("secret-one", "secret-two"));
        List<String> lines = lines(diff);
        assertEquals(List.of("database \"orders\": password changed (new server connections; open ones are closed when next idle)",
                "service \"orders-service\": password changed (new logins)"), lines);
        assertFalse(lines.toString().contains("secret"), lines.toString());
        assertFalse(lines.toString().contains("pass "), lines.toString());
    }

    @Test
    void poolSettingsNameEachKeyWithItsValues() throws ConfigException {
        ConfigDiff diff = diff(BASE.replace("pool_size: 5}", "pool_size: 8, query_wait_timeout: 2s, pool_mode: transaction}"));
        assertEquals(List.of("database \"orders\": pool_mode session -> transaction, pool_size 5 -> 8, query_wait_timeout 30s -> 2s"),
                lines(diff));
        assertEquals(8, diff.effective().databases().get("orders").pool().size());
    }

    @Test
    void databasesAddedAndRemovedAndABudgetThatChanges() throws ConfigException {
        ConfigDiff diff = diff(BASE.replace("max_connections: 50", "max_connections: 40")
                .replace("  users: {backend: main, user: users_owner}", "  billing: {backend: main, user: billing_owner}")
                .replace("databases: [orders, users]", "databases: [orders]"));
        assertEquals(List.of(ConfigChange.Kind.BACKEND_BUDGET_CHANGED, ConfigChange.Kind.DATABASE_ADDED,
                ConfigChange.Kind.DATABASE_REMOVED, ConfigChange.Kind.GRANT_REVOKED), diff.changes().stream().map(ConfigChange::kind).toList());
        assertEquals("backend \"main\": max_connections 50 -> 40 (the budget is divided again)", diff.changes().get(0).describe());
        assertEquals(40, diff.effective().backends().get("main").maxConnections());
        assertEquals(List.of("orders", "billing"), List.copyOf(diff.effective().databases().keySet()));
    }

    @Test
    void whatNeedsARestartKeepsItsRunningValueAndTheRestApplies() throws ConfigException {
        ConfigDiff diff = diff(BASE.replace("port: 6432", "port: 7000").replace("pool_size: 5}", "pool_size: 6}")
                + "http: {port: 9999}\nlimits: {max_pending_logins: 7, max_client_connections: 100}\naudit: {interval: 1h}\n");
        assertEquals(List.of(
                "listen.host/listen.port 127.0.0.1:6432 -> 127.0.0.1:7000: needs restart, not applied",
                "http: needs restart, not applied",
                "limits.max_client_connections 0 -> 100 (new logins)",
                "limits.max_pending_logins 1000 -> 7: needs restart, not applied",
                "audit: needs restart, not applied",
                "database \"orders\": pool_size 5 -> 6"), lines(diff));
        PgwardenConfig effective = diff.effective();
        assertEquals(6432, effective.listen().port());
        assertFalse(effective.http().enabled());
        assertEquals(1000, effective.limits().maxPendingLogins());
        assertEquals(100, effective.limits().maxClientConnections());
        assertEquals(6, effective.databases().get("orders").pool().size());
    }

    @Test
    void aDatabaseOnAnotherBackendIsAMoveAppliedLive() throws ConfigException {
        ConfigDiff diff = diff(BASE.replace("  main: {host: 127.0.0.1, max_connections: 50}",
                        "  main: {host: 127.0.0.1, max_connections: 50}\n  other: {host: 127.0.0.2, max_connections: 50}")
                .replace("orders: {backend: main", "orders: {backend: other, dbname: orders_v2"));
        assertEquals(List.of("backend \"other\" added",
                "database \"orders\": backend/dbname main/orders -> other/orders_v2: moving (new transactions are held until "
                        + "its open ones end, move_timeout at most)"), lines(diff));
        assertTrue(diff.changes().get(1).live());
        DatabaseConfig orders = diff.effective().databases().get("orders");
        assertEquals("other", orders.backend());
        assertEquals("orders_v2", orders.dbname());
    }

    @Test
    void aMoveTogetherWithOtherKeysOfTheDatabase() throws ConfigException {
        ConfigDiff diff = diff(BASE.replace("orders: {backend: main, user: orders_owner, password: secret-one, pool_size: 5}",
                "orders: {backend: main, dbname: orders_copy, user: orders_owner, password: secret-two, pool_size: 5, move_timeout: 2s}"));
        assertEquals(List.of(ConfigChange.Kind.DATABASE_MOVED, ConfigChange.Kind.DATABASE_LOGIN_CHANGED,
                ConfigChange.Kind.POOL_SETTINGS_CHANGED), diff.changes().stream().map(ConfigChange::kind).toList());
        assertEquals("database \"orders\": move_timeout 30s -> 2s", diff.changes().get(2).describe());
        DatabaseConfig orders = diff.effective().databases().get("orders");
        assertEquals("orders_copy", orders.dbname());
        assertEquals(Duration.ofSeconds(2), orders.pool().moveTimeout());
    }

    @Test
    void aBackendLeftBehindByAMoveIsRemoved() throws ConfigException {
        String both = BASE.replace("  main: {host: 127.0.0.1, max_connections: 50}",
                "  main: {host: 127.0.0.1, max_connections: 50}\n  other: {host: 127.0.0.2, max_connections: 50}");
        ConfigDiff diff = ConfigDiff.between(TestConfigs.parse(both), TestConfigs.parse(both
                .replace("  main: {host: 127.0.0.1, max_connections: 50}\n", "")
                .replace("backend: main", "backend: other")));
        assertEquals(List.of(ConfigChange.Kind.DATABASE_MOVED, ConfigChange.Kind.DATABASE_MOVED, ConfigChange.Kind.BACKEND_REMOVED),
                diff.changes().stream().map(ConfigChange::kind).toList());
        assertEquals(List.of("other"), List.copyOf(diff.effective().backends().keySet()));
    }

    @Test
    void aBackendWhoseAddressChangesNeedsARestart() throws ConfigException {
        ConfigDiff diff = diff(BASE.replace("main: {host: 127.0.0.1,", "main: {host: 127.0.0.3,"));
        assertEquals(List.of("backends.main.host 127.0.0.1 -> 127.0.0.3: needs restart, not applied"), lines(diff));
        assertEquals("127.0.0.1", diff.effective().backends().get("main").host());
    }

    @Test
    void adminServicesAndLifecycle() throws ConfigException {
        ConfigDiff diff = diff(BASE.replace("admin_services: [ops]", "admin_services: []").replace("ops: {password: ops-pass}", "ops: {password: ops-pass, databases: [users]}") + "shutdown_delay: 1s\n");
        assertEquals(List.of("shutdown_delay 5s -> 1s", "service \"ops\" granted database \"users\"",
                "service \"ops\" may no longer open the admin console"), lines(diff));
        assertEquals(Duration.ofSeconds(1), diff.effective().lifecycle().shutdownDelay());
    }
}
