package io.pgwarden.config;

import static io.pgwarden.config.TestConfigs.MINIMAL;
import static io.pgwarden.config.TestConfigs.errorsOf;
import static io.pgwarden.config.TestConfigs.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file's shape: records, defaults, merging, env expansion, and what the YAML itself can get wrong. */
class ConfigLoaderTest {

    @Test
    void goodConfigParsesToTheExpectedRecords() throws ConfigException {
        PgwardenConfig config = parse("""
                listen:
                  host: 0.0.0.0
                  port: 7432
                backends:
                  main:
                    host: db.internal
                    port: 5433
                    admin_user: admin
                    admin_password: admin-secret
                    admin_database: template1
                    embedded: false
                pool:
                  pool_size: 30
                  min_idle: 2
                  query_wait_timeout: 10s
                  server_idle_timeout: 5m
                  server_lifetime: 0
                  server_connect_timeout: 500ms
                  reset_query: ""
                databases:
                  orders:
                    backend: main
                    dbname: orders_db
                    user: orders_owner
                    password: orders-secret
                    pool_mode: session
                    pool_size: 5
                    min_idle: 1
                services:
                  orders-service:
                    password: orders-pass
                    auth: md5
                    databases: [orders]
                """);

        PoolSettings pool = new PoolSettings(PoolMode.SESSION, 5, 1, Duration.ofSeconds(10), Duration.ofMinutes(5),
                Duration.ZERO, Duration.ofMillis(500), "", Duration.ZERO, Duration.ofMinutes(5), Duration.ZERO, 250,
                0, 1, 0, 0, Duration.ofSeconds(5), Pinning.AUTO, PoolSettings.UNSET_MAX_PINNED, Duration.ofMinutes(10),
                Duration.ofSeconds(30));
        PgwardenConfig expected = new PgwardenConfig(
                new ListenConfig("0.0.0.0", 7432),
                Map.of("main", new BackendConfig("main", "db.internal", 5433, "admin", "admin-secret", "template1", false)),
                Map.of("orders", new DatabaseConfig("orders", "main", "orders_db", "orders_owner", "orders-secret", pool)),
                Map.of("orders-service",
                        new ServiceConfig("orders-service", "orders-pass", AuthMethod.MD5, List.of("orders"))));
        assertEquals(expected, config);
    }

    @Test
    void defaultsFillEverythingLeftOut() throws ConfigException {
        PgwardenConfig config = parse(MINIMAL);

        assertEquals(ListenConfig.DEFAULT, config.listen());
        assertEquals(new BackendConfig("main", "127.0.0.1", 5432, "postgres", "", "postgres", false),
                config.backends().get("main"));
        assertEquals(new DatabaseConfig("orders", "main", "orders", "orders_owner", "", PoolSettings.DEFAULTS),
                config.databases().get("orders"));
        assertEquals(AuthMethod.SCRAM_SHA_256, config.services().get("orders-service").auth());
    }

    @Test
    void poolSectionThenDatabaseKeysOverrideTheDefaults() throws ConfigException {
        PgwardenConfig config = parse("""
                backends:
                  main: {host: 127.0.0.1}
                pool:
                  pool_size: 50
                  query_wait_timeout: 3s
                databases:
                  orders:
                    backend: main
                    user: orders_owner
                    pool_size: 8
                  users:
                    backend: main
                    user: users_owner
                services:
                  svc: {password: p, databases: [orders, users]}
                """);

        PoolSettings orders = config.databases().get("orders").pool();
        assertEquals(8, orders.size());
        assertEquals(Duration.ofSeconds(3), orders.queryWaitTimeout());
        assertEquals(PoolSettings.DEFAULTS.serverLifetime(), orders.serverLifetime());
        PoolSettings users = config.databases().get("users").pool();
        assertEquals(50, users.size());
        assertEquals(Duration.ofSeconds(3), users.queryWaitTimeout());
    }

    @Test
    void mapsKeepTheFileOrder() throws ConfigException {
        PgwardenConfig config = parse("""
                backends: {main: {host: h}}
                databases:
                  zeta: {backend: main, user: u}
                  alpha: {backend: main, user: u}
                services:
                  svc: {password: p, databases: [zeta, alpha]}
                """);
        assertEquals(List.of("zeta", "alpha"), List.copyOf(config.databases().keySet()));
    }

    @Test
    void expandsEnvironmentVariablesWithDefaultsAndInsideLongerValues() throws ConfigException {
        PgwardenConfig config = parse("""
                backends:
                  main:
                    host: ${PG_HOST:-localhost}
                    port: ${PG_PORT:-5432}
                    admin_password: ${PGWARDEN_ADMIN_PASSWORD}
                databases:
                  orders:
                    backend: main
                    user: ${APP_PREFIX}_owner
                services:
                  svc: {password: p, databases: [orders]}
                """, Map.of("PG_PORT", "6543", "PGWARDEN_ADMIN_PASSWORD", "s3cret", "APP_PREFIX", "orders"));

        BackendConfig main = config.backends().get("main");
        assertEquals("localhost", main.host());
        assertEquals(6543, main.port());
        assertEquals("s3cret", main.adminPassword());
        assertEquals("orders_owner", config.databases().get("orders").user());
    }

    @Test
    void unsetEnvironmentVariableNamesTheVariableAndTheKey() {
        assertEquals(List.of("backends.main.admin_password (line 7): environment variable PGWARDEN_ADMIN_PASSWORD is not set"),
                errorsOf("""
                        listen:
                          port: 6432
                        backends:
                          main:
                            host: 127.0.0.1
                            port: 5432
                            admin_password: ${PGWARDEN_ADMIN_PASSWORD}
                        databases:
                          orders: {backend: main, user: u}
                        services:
                          svc: {password: p, databases: [orders]}
                        """));
    }

    @Test
    void unknownKeysAreErrorsEverywhere() {
        assertEquals(List.of(
                "backends.main.host (line 2): is required",
                "backends.main.hots (line 3): unknown key; expected one of: host, port, admin_user, admin_password, admin_database, embedded, "
                        + "sample_interval, max_connections, headroom, tls",
                "databases.orders.pool_sise (line 8): unknown key; expected one of: backend, dbname, user, password, schema, public_schema, "
                        + "replication_user, replication_password, pool_mode, pool_size, min_idle, query_wait_timeout, server_idle_timeout, server_lifetime, "
                        + "server_connect_timeout, reset_query, query_timeout, idle_transaction_timeout, client_idle_timeout, "
                        + "prepared_statement_cache_size, min_connections, weight, max_client_connections, reserve_pool, reserve_pool_timeout, "
                        + "pinning, max_pinned, pinned_idle_timeout, move_timeout",
                "services.svc.databases (line 10): is required: list the databases this service may open",
                "services.svc.database (line 12): unknown key; expected one of: password, auth, databases, max_connections, "
                        + "replication",
                "logging (line 13): unknown key; expected one of: listen, backends, databases, services, pool, http, "
                        + "admin_services, limits, audit, fleet, watch_config, shutdown_delay, shutdown_timeout"),
                errorsOf("""
                        backends:
                          main:
                            hots: 127.0.0.1
                        databases:
                          orders:
                            backend: main
                            user: u
                            pool_sise: 5
                        services:
                          svc:
                            password: p
                            database: [orders]
                        logging: debug
                        """));
    }

    @Test
    void duplicateKeyIsAnError() {
        assertEquals(List.of("databases.orders (line 7): duplicate key (first on line 4)"), errorsOf("""
                backends:
                  main: {host: h}
                databases:
                  orders:
                    backend: main
                    user: u
                  orders:
                    backend: main
                    user: v
                services:
                  svc: {password: p, databases: [orders]}
                """));
    }

    @Test
    void typeErrorsAreReportedNotThrown() {
        assertEquals(List.of(
                "listen (line 1): must be a mapping (key: value), not a list",
                "backends.main.port (line 5): must be a whole number, not 'fifty'",
                "backends.main.embedded (line 6): must be true or false, not 'maybe'",
                "databases.orders.user (line 10): must be a single value, not a mapping",
                "databases.orders.query_wait_timeout (line 11): '30' has no unit; write e.g. 30s (units: ms, s, m, h)",
                "services.svc.databases (line 15): must be a list, e.g. [a, b], not a single value"),
                errorsOf("""
                        listen: [127.0.0.1, 6432]
                        backends:
                          main:
                            host: h
                            port: fifty
                            embedded: maybe
                        databases:
                          orders:
                            backend: main
                            user: {name: u}
                            query_wait_timeout: 30
                        services:
                          svc:
                            password: p
                            databases: orders
                        """));
    }

    @Test
    void aListWhereNamedEntriesBelongIsAnError() {
        assertEquals(List.of(
                "backends (line 2): must be a mapping (key: value), not a list",
                "databases.orders.backend (line 4): backend 'main' is not defined"), errorsOf("""
                backends:
                  - host: 127.0.0.1
                databases:
                  orders: {backend: main, user: u}
                services:
                  svc: {password: p, databases: [orders]}
                """));
    }

    @Test
    void missingAndEmptySectionsAreErrors() {
        assertEquals(List.of(
                "backends (line 1): must define at least one backend",
                "databases (line 1): is required: define at least one database",
                "services (line 1): is required: define at least one service"),
                errorsOf("""
                        backends:
                        """));
    }

    @Test
    void emptyFileIsAClearError() {
        assertEquals(List.of("the file is empty; it needs at least backends:, databases: and services:"), errorsOf(""));
        assertEquals(List.of("the file is empty; it needs at least backends:, databases: and services:"),
                errorsOf("# only a comment\n"));
        assertEquals(List.of("the file is empty; it needs at least backends:, databases: and services:"),
                errorsOf("---\n"));
    }

    @Test
    void nonMappingRootIsAClearError() {
        assertEquals(List.of("line 1: the top level must be a mapping of sections "
                        + "(listen, backends, databases, services, pool, http, admin_services, limits, audit, fleet, watch_config, shutdown_delay, shutdown_timeout), not a list"),
                errorsOf("- backends\n- databases\n"));
        assertEquals(List.of("line 1: the top level must be a mapping of sections "
                        + "(listen, backends, databases, services, pool, http, admin_services, limits, audit, fleet, watch_config, shutdown_delay, shutdown_timeout), not a single value"),
                errorsOf("just text\n"));
    }

    @Test
    void brokenYamlNamesTheLine() {
        List<String> errors = errorsOf("""
                backends:
                  main:
                    host: "unterminated
                databases: {}
                """);
        assertEquals(1, errors.size());
        assertTrue(errors.get(0).startsWith("line "), errors.get(0));
        assertTrue(errors.get(0).contains("not valid YAML"), errors.get(0));
    }

    @Test
    void yamlTagsThatNameTypesAreRefused() {
        // SnakeYAML's composer refuses tags naming Java types before we see the tree.
        assertEquals(List.of("line 3: not valid YAML: Global tag is not allowed: tag:yaml.org,2002:java.net.URL"),
                errorsOf(MINIMAL.replace("host: 127.0.0.1", "host: !!java.net.URL http://x")));
        // Standard tags that build anything but text, numbers, lists and maps are refused here.
        assertEquals(List.of("backends.main.host (line 3): YAML tag tag:yaml.org,2002:binary is not allowed here"),
                errorsOf(MINIMAL.replace("host: 127.0.0.1", "host: !!binary aGVsbG8=")));
        assertEquals(List.of("line 1: YAML tag !custom is not allowed here"), errorsOf("!custom\n" + MINIMAL));
    }

    @Test
    void mergeKeysAreRefusedWithAHint() {
        assertEquals(List.of(
                "databases.users.backend (line 6): is required",
                "databases.users.user (line 6): is required",
                "databases.users.\"<<\" (line 7): YAML merge keys are not supported; "
                        + "for settings shared by databases use the pool: section"), errorsOf("""
                backends: {main: {host: h}}
                databases:
                  orders: &common
                    backend: main
                    user: u
                  users:
                    <<: *common
                services:
                  svc: {password: p, databases: [orders, users]}
                """));
    }

    @Test
    void severalErrorsAreReportedTogetherInFileOrder() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("""
                listen:
                  port: 70000
                backends:
                  main:
                    host: 127.0.0.1
                    port: 0
                databases:
                  orders:
                    backend: mian
                    user: orders_owner
                    pool_size: 0
                services:
                  orders-service:
                    password: orders-pass
                    databases: [orders, ordres]
                """));
        assertEquals(List.of(
                new ConfigError("listen.port", 2, "must be between 0 and 65535"),
                new ConfigError("backends.main.port", 6, "must be between 1 and 65535"),
                new ConfigError("databases.orders.backend", 9, "backend 'mian' is not defined; defined backends: main"),
                new ConfigError("databases.orders.pool_size", 11, "must be between 1 and 10000"),
                new ConfigError("services.orders-service.databases[1]", 15,
                        "database 'ordres' is not defined; defined databases: orders")), e.errors());
        assertEquals("""
                test.yaml: 5 errors
                  listen.port (line 2): must be between 0 and 65535
                  backends.main.port (line 6): must be between 1 and 65535
                  databases.orders.backend (line 9): backend 'mian' is not defined; defined backends: main
                  databases.orders.pool_size (line 11): must be between 1 and 10000
                  services.orders-service.databases[1] (line 15): database 'ordres' is not defined; defined databases: orders""",
                e.getMessage());
    }

    @Test
    void loadReadsAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pgwarden.yaml");
        Files.writeString(file, MINIMAL, StandardCharsets.UTF_8);
        assertEquals(List.of("orders-service"), List.copyOf(ConfigLoader.load(file).services().keySet()));
    }

    @Test
    void loadNamesAMissingFile(@TempDir Path dir) {
        Path file = dir.resolve("missing.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
        assertEquals(file + ": 1 error\n  file not found", e.getMessage());
    }
}
