package io.pgwarden.config;

import static io.pgwarden.config.TestConfigs.errorsOf;
import static io.pgwarden.config.TestConfigs.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** services.<name>.replication and databases.<name>.replication_user / replication_password. */
class ReplicationConfigTest {

    private static final String BACKEND = """
            backends:
              main: {host: 127.0.0.1}
            """;

    @Test
    void replicationIsOffUnlessAServiceAsksAndTheDatabaseRoleIsUsedWithoutAReplicationUser() throws ConfigException {
        PgwardenConfig config = parse(BACKEND + """
                databases:
                  orders: {backend: main, user: orders_owner, password: owner-secret}
                services:
                  orders-service: {password: p, databases: [orders]}
                  cdc: {password: p, databases: [orders], replication: true}
                """);
        assertFalse(config.services().get("orders-service").replication());
        assertTrue(config.services().get("cdc").replication());
        DatabaseConfig orders = config.databases().get("orders");
        assertFalse(orders.hasReplicationUser());
        assertEquals("orders_owner", orders.replicationRole());
        assertEquals("owner-secret", orders.replicationRolePassword());
    }

    @Test
    void aReplicationUserIsWhoReplicationConnectionsLogInAs() throws ConfigException {
        DatabaseConfig orders = parse(BACKEND + """
                databases:
                  orders: {backend: main, user: orders_owner, password: owner-secret,
                           replication_user: orders_cdc, replication_password: cdc-secret}
                services:
                  cdc: {password: p, databases: [orders], replication: true}
                """).databases().get("orders");
        assertEquals("orders_cdc", orders.replicationRole());
        assertEquals("cdc-secret", orders.replicationRolePassword());
        assertEquals("orders_owner", orders.user());
    }

    @Test
    void aPasswordWithoutAReplicationUserAndAReplicationFlagThatIsNotABooleanAreErrors() {
        assertEquals(List.of(
                "databases.orders.replication_password (line 4): is set without replication_user: a replication connection "
                        + "logs in as the database's user, with its password",
                "services.cdc.replication (line 6): must be true or false, not 'yes please'"),
                errorsOf(BACKEND + """
                        databases:
                          orders: {backend: main, user: u, replication_password: x}
                        services:
                          cdc: {password: p, databases: [orders], replication: yes please}
                        """));
    }
}
