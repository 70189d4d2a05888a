package io.pgwarden.config;

import static io.pgwarden.config.TestConfigs.MINIMAL;
import static io.pgwarden.config.TestConfigs.errorsOf;
import static io.pgwarden.config.TestConfigs.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each rule, through the loader, so that the path AND the line are checked. */
class ConfigValidatorTest {

    /** Ends inside databases.orders, so a test's extra keys land there from line 9 on. */
    private static final String ORDERS = """
            backends:
              main: {host: h}
            services:
              svc: {password: p, databases: [orders]}
            databases:
              orders:
                backend: main
                user: u
            """;

    /** A service whose password and auth are on lines 8 and 9. */
    private static final String SERVICE = """
            backends:
              main: {host: h}
            databases:
              orders: {backend: main, user: u}
            services:
              svc:
                databases: [orders]
            """;

    private static final String VERIFIER = PasswordFormTest.VERIFIER;
    private static final String MD5_HASH = "md57f517c88bef6076ef5bf84e016fc0d22";

    private static String orders(String... keys) {
        StringBuilder yaml = new StringBuilder(ORDERS);
        for (String key : keys) {
            yaml.append("    ").append(key).append('\n');
        }
        return yaml.toString();
    }

    private static String service(String password, String auth) {
        return SERVICE + "    password: \"" + password + "\"\n" + (auth == null ? "" : "    auth: " + auth + "\n");
    }

    @Test
    void poolSizeMustBeBetween1And10000() throws ConfigException {
        assertEquals(List.of("pool.pool_size (line 13): must be between 1 and 10000"),
                errorsOf(MINIMAL + "pool:\n  pool_size: 0\n"));
        assertEquals(List.of("databases.orders.pool_size (line 9): must be between 1 and 10000"),
                errorsOf(orders("pool_size: 10001")));
        assertEquals(10_000, parse(orders("pool_size: 10000")).databases().get("orders").pool().size());
        assertEquals(1, parse(orders("pool_size: 1")).databases().get("orders").pool().size());
    }

    @Test
    void minIdleMustBeBetween0AndPoolSize() {
        assertEquals(List.of("databases.orders.min_idle (line 10): must be between 0 and pool_size (5)"),
                errorsOf(orders("pool_size: 5", "min_idle: 6")));
        assertEquals(List.of("databases.orders.min_idle (line 9): must be between 0 and pool_size (20)"),
                errorsOf(orders("min_idle: -1")));
    }

    @Test
    void aDatabaseMayNotLowerPoolSizeBelowTheMinIdleItInherits() {
        assertEquals(List.of("databases.orders.pool_size (line 11): must be at least min_idle (5, from pool.min_idle)"),
                errorsOf("""
                        backends:
                          main: {host: h}
                        services:
                          svc: {password: p, databases: [orders]}
                        pool:
                          min_idle: 5
                        databases:
                          orders:
                            backend: main
                            user: u
                            pool_size: 3
                        """));
    }

    @Test
    void aBadPoolSectionIsReportedOnceNotPerDatabase() {
        assertEquals(List.of("pool.min_idle (line 3): must be between 0 and pool_size (3)"), errorsOf("""
                pool:
                  pool_size: 3
                  min_idle: 4
                backends: {main: {host: h}}
                databases:
                  orders: {backend: main, user: u}
                  users: {backend: main, user: u}
                services:
                  svc: {password: p, databases: [orders, users]}
                """));
    }

    @Test
    void timeoutsMustBePositive() {
        assertEquals(List.of(
                "databases.orders.query_wait_timeout (line 9): must be greater than 0",
                "databases.orders.server_connect_timeout (line 10): must be greater than 0"),
                errorsOf(orders("query_wait_timeout: 0", "server_connect_timeout: 0s")));
    }

    @Test
    void moveTimeoutIsPositiveAndBounded() {
        assertEquals(List.of("databases.orders.move_timeout (line 9): must be greater than 0"),
                errorsOf(orders("move_timeout: 0")));
        assertEquals(List.of("databases.orders.move_timeout (line 9): must be at most 10m"),
                errorsOf(orders("move_timeout: 11m")));
    }

    @Test
    void zeroIdleTimeoutAndLifetimeMeanNever() throws ConfigException {
        PoolSettings pool = parse(orders("server_idle_timeout: 0", "server_lifetime: 0s")).databases().get("orders").pool();
        assertEquals(Duration.ZERO, pool.serverIdleTimeout());
        assertEquals(Duration.ZERO, pool.serverLifetime());
    }

    @Test
    void aDurationWithoutUnitNamesTheUnits() {
        assertEquals(List.of("databases.orders.server_lifetime (line 9): '3600' has no unit; write e.g. 3600s (units: ms, s, m, h)"),
                errorsOf(orders("server_lifetime: 3600")));
    }

    @Test
    void poolModeIsSessionOrTransaction() throws ConfigException {
        assertEquals(PoolMode.TRANSACTION, TestConfigs.parse(orders("pool_mode: transaction")).database("orders").orElseThrow().pool().mode());
        assertEquals(List.of("databases.orders.pool_mode (line 9): statement pooling is not supported; use transaction or session"),
                errorsOf(orders("pool_mode: statement")));
        assertEquals(List.of("databases.orders.pool_mode (line 9): must be session or transaction, not 'fast'"),
                errorsOf(orders("pool_mode: fast")));
    }

    @Test
    void transactionModeKeysAreReadAndChecked() throws ConfigException {
        assertEquals(java.time.Duration.ofSeconds(5),
                TestConfigs.parse(orders("query_timeout: 5s")).database("orders").orElseThrow().pool().queryTimeout());
        assertEquals(List.of("databases.orders.prepared_statement_cache_size (line 9): must be between 1 and 100000"),
                errorsOf(orders("prepared_statement_cache_size: 0")));
    }

    @Test
    void backendPortMustBeBetween1And65535() {
        assertEquals(List.of("backends.main.port (line 4): must be between 1 and 65535"),
                errorsOf(MINIMAL.replace("host: 127.0.0.1", "host: 127.0.0.1\n    port: 0")));
        assertEquals(List.of("backends.main.port (line 4): must be between 1 and 65535"),
                errorsOf(MINIMAL.replace("host: 127.0.0.1", "host: 127.0.0.1\n    port: 65536")));
    }

    @Test
    void listenPortZeroMeansAnyFreePort() throws ConfigException {
        assertEquals(0, parse(MINIMAL + "listen:\n  port: 0\n").listen().port());
        assertEquals(List.of("listen.port (line 13): must be between 0 and 65535"),
                errorsOf(MINIMAL + "listen:\n  port: 65536\n"));
    }

    @Test
    void eventLoopsDefaultToOnePerCoreAndCanBeSet() throws ConfigException {
        assertEquals(0, parse(MINIMAL).listen().eventLoops());
        assertEquals(2, parse(MINIMAL).listen().eventLoops(2), "0: one per core");
        assertEquals(1, parse(MINIMAL + "listen:\n  event_loops: 1\n").listen().eventLoops(2));
        assertEquals(List.of("listen.event_loops (line 13): must be between 0 and 256"),
                errorsOf(MINIMAL + "listen:\n  event_loops: -1\n"));
    }

    @Test
    void theLargestClientMessageIs64MiBByDefaultAndIsWrittenAsPostgresWritesSizes() throws ConfigException {
        assertEquals(64 << 20, parse(MINIMAL).limits().maxMessageSize());
        assertEquals(1 << 20, parse(MINIMAL + "limits:\n  max_message_size: 1MB\n").limits().maxMessageSize());
        assertEquals(512 * 1024, parse(MINIMAL + "limits:\n  max_message_size: 512kB\n").limits().maxMessageSize());
        assertEquals(100_000, parse(MINIMAL + "limits:\n  max_message_size: 100000\n").limits().maxMessageSize());
        assertEquals(List.of("limits.max_message_size (line 13): must be between 65536 and 1073741823"),
                errorsOf(MINIMAL + "limits:\n  max_message_size: 2GB\n"));
        assertEquals(List.of("limits.max_message_size (line 13): must be between 65536 and 1073741823"),
                errorsOf(MINIMAL + "limits:\n  max_message_size: 1kB\n"));
        assertEquals(List.of("limits.max_message_size (line 13): '64 MiB' is not a size; write bytes or a whole number"
                        + " and a unit: 64kB, 64MB, 1GB"),
                errorsOf(MINIMAL + "limits:\n  max_message_size: 64 MiB\n"));
    }

    @Test
    void pendingLoginsAreLimitedByDefaultAndTheLimitsCanBeSet() throws ConfigException {
        assertEquals(new LimitsConfig(0, 1000, 100), parse(MINIMAL).limits());
        assertEquals(new LimitsConfig(0, 1000, 100), parse(MINIMAL + "limits:\n  max_client_connections: 0\n").limits());
        assertEquals(new LimitsConfig(0, 50, 5),
                parse(MINIMAL + "limits:\n  max_pending_logins: 50\n  max_pending_logins_per_address: 5\n").limits());
        assertEquals(new LimitsConfig(0, 0, 0),
                parse(MINIMAL + "limits:\n  max_pending_logins: 0\n  max_pending_logins_per_address: 0\n").limits(), "0: no limit");
        assertEquals(List.of("limits.max_pending_logins (line 13): must be between 0 and 1000000",
                        "limits.max_pending_logins_per_address (line 14): must be between 0 and 1000000"),
                errorsOf(MINIMAL + "limits:\n  max_pending_logins: -1\n  max_pending_logins_per_address: 1000001\n"));
    }

    @Test
    void theLoginTimeoutAndTheFailedLoginThrottleHaveDefaultsAndCanBeSet() throws ConfigException {
        LimitsConfig defaults = parse(MINIMAL).limits();
        assertEquals(java.time.Duration.ofSeconds(60), defaults.loginTimeout(), "PostgreSQL's authentication_timeout");
        assertEquals(10, defaults.authFailures());
        assertEquals(java.time.Duration.ofSeconds(60), defaults.authFailureWindow());
        assertEquals(java.time.Duration.ofSeconds(5), defaults.authFailureMaxDelay());
        LimitsConfig set = parse(MINIMAL + "limits:\n  login_timeout: 5s\n  auth_failures: 3\n  auth_failure_window: 10m\n"
                + "  auth_failure_max_delay: 2s\n").limits();
        assertEquals(new LimitsConfig(0, 1000, 100, 64 << 20, java.time.Duration.ofSeconds(5), 3, java.time.Duration.ofMinutes(10),
                java.time.Duration.ofSeconds(2)), set);
        assertEquals(0, parse(MINIMAL + "limits:\n  auth_failures: 0\n").limits().authFailures(), "0: no throttling");
    }

    @Test
    void theLoginTimeoutAndTheThrottleAreChecked() throws ConfigException {
        assertEquals(List.of("limits.login_timeout (line 13): must be greater than 0"),
                errorsOf(MINIMAL + "limits:\n  login_timeout: 0s\n"));
        assertEquals(List.of("limits.login_timeout (line 13): must be at most 10m: a login pending longer only holds a connection"),
                errorsOf(MINIMAL + "limits:\n  login_timeout: 11m\n"));
        assertEquals(List.of("limits.auth_failures (line 13): must be between 0 and 1000000",
                        "limits.auth_failure_window (line 14): must be greater than 0"),
                errorsOf(MINIMAL + "limits:\n  auth_failures: -1\n  auth_failure_window: 0s\n"));
        assertEquals(List.of("limits.auth_failure_max_delay (line 14): auth_failure_max_delay (5000ms) must be shorter than "
                        + "login_timeout (5000ms)"),
                errorsOf(MINIMAL + "limits:\n  login_timeout: 5s\n  auth_failure_max_delay: 5s\n"));
        assertEquals(List.of("limits.login_timeout (line 13): auth_failure_max_delay (5000ms) must be shorter than "
                        + "login_timeout (2000ms)"),
                errorsOf(MINIMAL + "limits:\n  login_timeout: 2s\n"), "against the default delay");
        assertEquals(java.time.Duration.ofSeconds(2), parse(MINIMAL + "limits:\n  login_timeout: 2s\n  auth_failures: 0\n")
                .limits().loginTimeout(), "no throttle, no delay to compare");
    }

    /** MINIMAL with {@code tls:} under backends.main; its first key is on line 4. */
    private static String withBackendTls(String tlsLines) {
        return MINIMAL.replace("    host: 127.0.0.1\n", "    host: 127.0.0.1\n    tls:\n" + tlsLines);
    }

    @Test
    void backendTlsDefaultsToPreferAsLibpqAndTakesItsModes() throws ConfigException {
        assertEquals(BackendTlsConfig.DEFAULT, parse(MINIMAL).backends().get("main").tls());
        assertEquals(BackendTlsMode.PREFER, BackendTlsConfig.DEFAULT.mode());
        BackendTlsConfig full = parse(withBackendTls("      mode: verify-full\n      ca: /etc/pgwarden/ca.pem\n"
                + "      cert: /etc/pgwarden/client.pem\n      key: /etc/pgwarden/client.key\n")).backends().get("main").tls();
        assertEquals(new BackendTlsConfig(BackendTlsMode.VERIFY_FULL, "/etc/pgwarden/ca.pem", "/etc/pgwarden/client.pem",
                "/etc/pgwarden/client.key"), full);
        for (BackendTlsMode mode : BackendTlsMode.values()) {
            String ca = mode.asksForTls() || mode == BackendTlsMode.ALLOW ? "      ca: ca.pem\n" : "";
            assertEquals(mode, parse(withBackendTls("      mode: " + mode.yamlName() + "\n" + ca)).backends().get("main").tls().mode());
        }
        assertTrue(new BackendTlsConfig(BackendTlsMode.REQUIRE, "ca.pem", null, null).verifiesCertificate(), "as libpq with a root cert");
        assertFalse(new BackendTlsConfig(BackendTlsMode.REQUIRE, null, null, null).verifiesCertificate());
    }

    @Test
    void backendTlsMistakesAreReportedWithKeyAndLine() {
        assertEquals(List.of("backends.main.tls.mode (line 5): must be disable or allow or prefer or require or verify-ca "
                        + "or verify-full, not 'on'"),
                errorsOf(withBackendTls("      mode: on\n")));
        assertEquals(List.of("backends.main.tls.mode (line 5): is verify-full: give the CA to verify the server's certificate "
                        + "with in backends.main.tls.ca"),
                errorsOf(withBackendTls("      mode: verify-full\n")));
        assertEquals(List.of("backends.main.tls.cert (line 5): needs backends.main.tls.key too: a client certificate comes with its key"),
                errorsOf(withBackendTls("      cert: client.pem\n")));
        assertEquals(List.of("backends.main.tls.mode (line 5): is disable, so ca, cert and key would not be used: leave them out "
                        + "or set a mode"),
                errorsOf(withBackendTls("      mode: disable\n      ca: ca.pem\n")));
        assertEquals(List.of("backends.main.tls.sslmode (line 5): unknown key; expected one of: mode, ca, cert, key"),
                errorsOf(withBackendTls("      sslmode: require\n")));
    }

    @Test
    void oneAddressMayNotHaveMorePendingLoginsThanAll() {
        assertEquals(List.of("limits.max_pending_logins_per_address (line 14): is 200, more than limits.max_pending_logins (100)"),
                errorsOf(MINIMAL + "limits:\n  max_pending_logins: 100\n  max_pending_logins_per_address: 200\n"));
        assertEquals(List.of("limits.max_pending_logins_per_address (line 13): is 1001, more than limits.max_pending_logins (1000)"),
                errorsOf(MINIMAL + "limits:\n  max_pending_logins_per_address: 1001\n"), "against the default");
    }

    @Test
    void aDatabaseMustNameADefinedBackend() {
        assertEquals(List.of("databases.orders.backend (line 7): backend 'replica' is not defined; defined backends: main"),
                errorsOf(ORDERS.replace("backend: main", "backend: replica")));
    }

    @Test
    void aDatabaseNeedsBackendAndUser() {
        assertEquals(List.of(
                "databases.orders.backend (line 6): is required",
                "databases.orders.user (line 6): is required",
                "databases.orders.dbname (line 7): must not be empty"),
                errorsOf(ORDERS.replace("    backend: main\n    user: u\n", "    dbname: \"\"\n")));
    }

    @Test
    void backendUserMayNotContainNul() {
        assertEquals(List.of("databases.orders.user (line 8): must not contain a NUL character"),
                errorsOf(ORDERS.replace("user: u", "user: \"a\\0b\"")));
    }

    @Test
    void grantsMustNameDefinedDatabasesOnce() {
        assertEquals(List.of(
                "services.svc.databases[1] (line 10): database 'billing' is not defined; defined databases: orders",
                "services.svc.databases[2] (line 11): database 'orders' is listed twice"),
                errorsOf(SERVICE.replace("databases: [orders]", "password: p\n    databases:\n      - orders\n      - billing\n      - orders")));
    }

    @Test
    void aServiceNeedsAtLeastOneDatabase() {
        assertEquals(List.of("services.svc.databases (line 7): must name at least one database"),
                errorsOf(SERVICE.replace("databases: [orders]", "databases: []\n    password: p")));
        assertEquals(List.of("services.svc.databases[0] (line 7): must not be empty"),
                errorsOf(SERVICE.replace("databases: [orders]", "databases: [\"\"]\n    password: p")));
    }

    @Test
    void aServiceNeedsAPassword() {
        assertEquals(List.of("services.svc.password (line 6): is required"), errorsOf(SERVICE));
        assertEquals(List.of("services.svc.password (line 8): must not be empty"), errorsOf(service("", null)));
    }

    @Test
    void authIsScramOrMd5() {
        assertEquals(List.of("services.svc.auth (line 9): must be scram-sha-256 or md5 or cert or scram+cert, not 'trust'"),
                errorsOf(service("p", "trust")));
    }

    @Test
    void aScramVerifierMustHaveTheVerifierShape() {
        assertEquals(List.of("services.svc.password (line 8): is not a valid SCRAM-SHA-256 verifier; expected "
                        + "SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>"),
                errorsOf(service("SCRAM-SHA-256$4096:c2FsdA==$bm90LWEta2V5", null)));
    }

    @Test
    void aScramVerifierCannotAnswerMd5() {
        assertEquals(List.of("services.svc.password (line 8): a SCRAM-SHA-256 verifier cannot answer md5 authentication;"
                        + " with auth: md5 give the plain password or an md5 hash (md5 followed by 32 hex digits)"),
                errorsOf(service(VERIFIER, "md5")));
    }

    @Test
    void anMd5HashCannotAnswerScram() {
        assertEquals(List.of("services.svc.password (line 8): an md5 hash cannot answer scram-sha-256 authentication;"
                        + " give the plain password or a SCRAM-SHA-256 verifier, or set auth: md5"),
                errorsOf(service(MD5_HASH, null)));
    }

    @Test
    void eachPasswordFormWorksWithItsMethod() throws ConfigException {
        assertEquals(VERIFIER, parse(service(VERIFIER, "scram-sha-256")).services().get("svc").password());
        assertEquals(AuthMethod.MD5, parse(service(MD5_HASH, "md5")).services().get("svc").auth());
        assertEquals(AuthMethod.MD5, parse(service("plain", "md5")).services().get("svc").auth());
        assertEquals(AuthMethod.SCRAM_SHA_256, parse(service("plain", null)).services().get("svc").auth());
    }

    @Test
    void namesMayNotBeEmptyOrContainNul() {
        assertEquals(List.of(
                "databases.\"\" (line 5): name must not be empty",
                "services.\"\" (line 7): name must not be empty",
                "services.\"bad\\0name\" (line 8): name must not contain a NUL character"), errorsOf("""
                backends:
                  main: {host: h}
                databases:
                  orders: {backend: main, user: u}
                  "": {backend: main, user: u}
                services:
                  "": {password: p, databases: [orders]}
                  "bad\\0name": {password: p, databases: [orders]}
                """));
    }

    @Test
    void shutdownKeysHaveDefaultsAndMustFitTogether() throws ConfigException {
        LifecycleConfig defaults = parse(MINIMAL).lifecycle();
        assertEquals(LifecycleConfig.DEFAULT, defaults);
        assertEquals(new LifecycleConfig(true, java.time.Duration.ZERO, java.time.Duration.ofSeconds(3)),
                parse(MINIMAL + "watch_config: true\nshutdown_delay: 0\nshutdown_timeout: 3s\n").lifecycle());
        assertEquals(List.of("shutdown_timeout (line 13): shutdown_timeout (2000ms) must be longer than shutdown_delay (5000ms): both"
                        + " count from SIGTERM"),
                errorsOf(MINIMAL + "shutdown_delay: 5s\nshutdown_timeout: 2s\n"));
        assertEquals(List.of("shutdown_timeout (line 12): must be greater than 0"),
                errorsOf(MINIMAL + "shutdown_timeout: 0\n"));
        assertEquals(List.of("watch_config (line 12): must be true or false, not 'maybe'"), errorsOf(MINIMAL + "watch_config: maybe\n"));
    }
}
