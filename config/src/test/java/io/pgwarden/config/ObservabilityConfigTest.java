package io.pgwarden.config;

import static io.pgwarden.config.TestConfigs.MINIMAL;
import static io.pgwarden.config.TestConfigs.errorsOf;
import static io.pgwarden.config.TestConfigs.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The keys of per-database load reporting: http:, admin_services: and backends.*.sample_interval. */
class ObservabilityConfigTest {

    @Test
    void withoutHttpSectionThereIsNoEndpointButMetersCount() throws ConfigException {
        PgwardenConfig config = parse(MINIMAL);

        assertEquals(HttpConfig.NONE, config.http());
        assertFalse(config.http().enabled());
        assertTrue(config.http().metrics());
        assertEquals(List.of(), config.adminServices());
        assertEquals(Duration.ofSeconds(10), config.backends().get("main").sampleInterval());
    }

    @Test
    void httpSectionParses() throws ConfigException {
        assertEquals(new HttpConfig(true, "0.0.0.0", 9999, false),
                parse(MINIMAL + "http: {host: 0.0.0.0, port: 9999, metrics: false}\n").http());
        assertEquals(new HttpConfig(true, "127.0.0.1", 9930, true), parse(MINIMAL + "http:\n").http());
        assertEquals(0, parse(MINIMAL + "http: {port: 0}\n").http().port());
    }

    @Test
    void httpReadTimeoutAndConnectionCapHaveDefaultsAndParse() throws ConfigException {
        HttpConfig defaults = parse(MINIMAL + "http:\n").http();
        assertEquals(Duration.ofSeconds(10), defaults.readTimeout());
        assertEquals(256, defaults.maxConnections());

        HttpConfig set = parse(MINIMAL + "http: {read_timeout: 500ms, max_connections: 4}\n").http();
        assertEquals(new HttpConfig(true, "127.0.0.1", 9930, true, Duration.ofMillis(500), 4), set);
    }

    @Test
    void httpReadTimeoutAndConnectionCapAreChecked() {
        assertEquals(List.of("http.read_timeout (line 12): must be greater than 0"),
                errorsOf(MINIMAL + "http: {read_timeout: 0}\n"));
        assertEquals(List.of("http.read_timeout (line 12): '10' has no unit; write e.g. 10s (units: ms, s, m, h)"),
                errorsOf(MINIMAL + "http: {read_timeout: 10}\n"));
        assertEquals(List.of("http.read_timeout (line 12): must be at most 1h: a scrape that waits longer holds a connection for nothing"),
                errorsOf(MINIMAL + "http: {read_timeout: 2h}\n"));
        assertEquals(List.of("http.max_connections (line 12): must be between 1 and 1000000"),
                errorsOf(MINIMAL + "http: {max_connections: 0}\n"));
        assertEquals(List.of("http.max_connections (line 12): must be a whole number, not 'many'"),
                errorsOf(MINIMAL + "http: {max_connections: many}\n"));
    }

    @Test
    void httpKeysAreChecked() {
        assertEquals(List.of("http.metrics (line 12): must be true or false, not 'maybe'"),
                errorsOf(MINIMAL + "http: {metrics: maybe}\n"));
        assertEquals(List.of("http.prot (line 12): unknown key; expected one of: host, port, metrics, read_timeout, max_connections"),
                errorsOf(MINIMAL + "http: {prot: 1}\n"));
        assertEquals(List.of("http.port (line 12): must be between 0 and 65535"),
                errorsOf(MINIMAL + "http: {port: 70000}\n"));
    }

    @Test
    void httpPortMustDifferFromTheListenPort() {
        assertEquals(List.of("http.port (line 13): is the same port as listen.port (6432); the HTTP endpoint needs its own"),
                errorsOf(MINIMAL + "http:\n  port: 6432\n"));
    }

    @Test
    void adminServicesMustBeDefinedOnce() {
        assertEquals(List.of("admin_services[0] (line 12): service 'ops' is not defined; defined services: orders-service"),
                errorsOf(MINIMAL + "admin_services: [ops]\n"));
        assertEquals(List.of("admin_services[1] (line 12): service 'orders-service' is listed twice"),
                errorsOf(MINIMAL + "admin_services: [orders-service, orders-service]\n"));
    }

    @Test
    void anAdminServiceNeedsNoDatabases() throws ConfigException {
        PgwardenConfig config = parse(MINIMAL + """
                  ops:
                    password: ops-pass
                admin_services: [ops]
                """);

        assertEquals(List.of("ops"), config.adminServices());
        assertTrue(config.isAdminService("ops"));
        assertFalse(config.isAdminService("orders-service"));
        assertEquals(List.of(), config.services().get("ops").databases());
    }

    @Test
    void anyOtherServiceStillNeedsDatabases() {
        assertEquals(List.of("services.ops.databases (line 12): is required: list the databases this service may open"),
                errorsOf(MINIMAL + "  ops:\n    password: ops-pass\n"));
    }

    @Test
    void theAdminConsoleNameIsReserved() {
        String yaml = MINIMAL.replace("databases:\n  orders:", "databases:\n  pgwarden:\n    backend: main\n    user: u\n  orders:");

        assertEquals(List.of("databases.pgwarden (line 5): the name 'pgwarden' is reserved for the admin console;"
                + " give this database another name (dbname: may stay pgwarden)"), errorsOf(yaml));
    }

    @Test
    void sampleIntervalParsesAndZeroTurnsSamplingOff() throws ConfigException {
        String withInterval = MINIMAL.replace("    host: 127.0.0.1\n", "    host: 127.0.0.1\n    sample_interval: %s\n");

        assertEquals(Duration.ofSeconds(30), parse(withInterval.formatted("30s")).backends().get("main").sampleInterval());
        assertEquals(Duration.ZERO, parse(withInterval.formatted("0")).backends().get("main").sampleInterval());
        assertEquals(List.of("backends.main.sample_interval (line 4): must be 0 (no sampling) or at least 100ms"),
                errorsOf(withInterval.formatted("50ms")));
    }

    @Test
    void withersKeepTheNewKeys() throws ConfigException {
        PgwardenConfig config = parse(MINIMAL + "http: {port: 9999}\n"
                + "admin_services: [orders-service]\n");
        BackendConfig moved = config.backends().get("main").withAddress("10.0.0.1", 6000);

        PgwardenConfig rebuilt = config.withListen(new ListenConfig("127.0.0.1", 0))
                .withBackends(java.util.Map.of("main", moved));

        assertEquals(config.http(), rebuilt.http());
        assertEquals(config.adminServices(), rebuilt.adminServices());
        assertEquals(new BackendConfig("main", "10.0.0.1", 6000, "postgres", "", "postgres", false, Duration.ofSeconds(10)),
                rebuilt.backends().get("main"));
    }
}
