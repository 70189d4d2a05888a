package io.pgwarden.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.pgwarden.embedded.EmbeddedPostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvisionCommandIT {

    private static EmbeddedPostgresServer server;

    @BeforeAll
    static void start() throws Exception {
        server = EmbeddedPostgresServer.start(0, null);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void printsEachChangeThenNothingToChange(@TempDir Path directory) throws Exception {
        Path config = Files.writeString(directory.resolve("pgwarden.yaml"), """
                backends:
                  main:
                    host: %s
                    port: %d
                databases:
                  orders:
                    backend: main
                    dbname: orders_db
                    user: orders_owner
                    password: orders-db-secret
                services:
                  orders-service:
                    password: orders-pass
                    databases: [orders]
                """.formatted(server.host(), server.port()));

        CommandResult first = CommandResult.run("provision", "--config", config.toString());
        CommandResult second = CommandResult.run("provision", "--config", config.toString());

        assertEquals(0, first.exitCode(), first.err());
        assertEquals("""
                main: created role orders_owner
                main: created database orders_db owned by orders_owner
                main: revoked CONNECT on orders_db from PUBLIC
                """, first.out());
        assertFalse(first.out().contains("orders-db-secret"));
        assertEquals(0, second.exitCode(), second.err());
        assertEquals("nothing to change\n", second.out());
    }

    @Test
    void unreachableBackendExitsOne(@TempDir Path directory) throws Exception {
        Path config = Files.writeString(directory.resolve("pgwarden.yaml"), """
                backends:
                  main:
                    host: 127.0.0.1
                    port: 1
                databases:
                  orders:
                    backend: main
                    user: orders_owner
                services:
                  orders-service:
                    password: orders-pass
                    databases: [orders]
                """);

        CommandResult result = CommandResult.run("provision", "--config", config.toString());

        assertEquals(1, result.exitCode());
        assertEquals("", result.out());
    }
}
