package io.pgwarden.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The files in config/examples are what users copy: each must load. */
class ExampleConfigsTest {

    /** production.yaml keeps its secrets in the environment; these stand in for them. */
    private static final Map<String, String> PRODUCTION_SECRETS = Map.of(
            "PGWARDEN_ADMIN_PASSWORD", "admin-secret",
            "ORDERS_DB_PASSWORD", "orders-secret",
            "ORDERS_CDC_PASSWORD", "orders-cdc-secret",
            "PAYMENTS_DB_PASSWORD", "payments-secret",
            "USERS_DB_PASSWORD", "users-secret",
            "INVENTORY_DB_PASSWORD", "inventory-secret",
            "KEYCLOAK_DB_PASSWORD", "keycloak-secret",
            "WAREHOUSE_DB_PASSWORD", "warehouse-secret",
            "LEGACY_NOTIFIER_MD5", "md5c4d7d6ab1b0a5b0e4d3fbde9c3d3e2a1");

    private static Path examples() {
        String dir = System.getProperty("pgwarden.examples");
        assertTrue(dir != null, "surefire sets pgwarden.examples to config/examples");
        return Path.of(dir);
    }

    static Stream<Path> exampleFiles() throws IOException {
        try (Stream<Path> files = Files.list(examples())) {
            List<Path> yaml = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
            assertFalse(yaml.isEmpty(), "no examples in " + examples());
            return yaml.stream();
        }
    }

    private static PgwardenConfig load(String name, Map<String, String> env) throws Exception {
        return ConfigLoader.parse(Files.readString(examples().resolve(name)), name, env::get);
    }

    @ParameterizedTest
    @MethodSource("exampleFiles")
    void everyExampleLoads(Path file) throws Exception {
        PgwardenConfig config = ConfigLoader.parse(Files.readString(file), file.toString(), PRODUCTION_SECRETS::get);
        assertFalse(config.services().isEmpty());
    }

    @Test
    void demoLoadsWithAnEmptyEnvironment() throws Exception {
        PgwardenConfig demo = load("demo.yaml", Map.of());

        assertEquals(new ListenConfig("127.0.0.1", 6432), demo.listen());
        assertEquals(new BackendConfig("main", "127.0.0.1", 54329, "postgres", "", "postgres", true),
                demo.backends().get("main"));
        assertEquals(List.of("orders", "users", "payments", "inventory", "notifications", "keycloak"),
                List.copyOf(demo.databases().keySet()));
        assertEquals(new DatabaseConfig("orders", "main", "orders_db", "orders_owner", "orders-db-secret",
                demo.databases().get("orders").pool()), demo.databases().get("orders"));
        assertEquals(10, demo.databases().get("orders").pool().size());
        assertEquals(List.of("orders-service", "users-service", "payments-service", "inventory-service",
                "notifications-service", "keycloak", "reporting-service"), List.copyOf(demo.services().keySet()));
        assertEquals(List.of("orders", "payments"), demo.services().get("reporting-service").databases());
        assertEquals(AuthMethod.MD5, demo.services().get("notifications-service").auth());
        // The demo prints working JDBC URLs, so its service passwords are plain.
        demo.services().values().forEach(s -> assertEquals(PasswordForm.PLAIN, PasswordForm.of(s.password()), s.name()));
    }

    @Test
    void demoTakesItsPortAndSecretsFromTheEnvironment() throws Exception {
        PgwardenConfig demo = load("demo.yaml", Map.of("PGWARDEN_DEMO_PG_PORT", "60000", "ORDERS_DB_PASSWORD", "x"));
        assertEquals(60000, demo.backends().get("main").port());
        assertEquals("x", demo.databases().get("orders").password());
    }

    @Test
    void productionStoresScramVerifiers() throws Exception {
        PgwardenConfig production = load("production.yaml", PRODUCTION_SECRETS);
        production.services().values().stream()
                .filter(s -> s.auth() == AuthMethod.SCRAM_SHA_256)
                .forEach(s -> assertEquals(PasswordForm.SCRAM_VERIFIER, PasswordForm.of(s.password()), s.name()));
    }

    @Test
    void productionRefusesToStartWithoutItsSecrets() {
        ConfigException e = assertThrows(ConfigException.class, () -> load("production.yaml", Map.of()));
        assertEquals(PRODUCTION_SECRETS.size() + 1, e.errors().size(), e.getMessage()); // admin password is used twice
        e.errors().forEach(error -> assertTrue(error.message().matches("environment variable \\w+ is not set"), error.toString()));
    }
}
