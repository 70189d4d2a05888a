package io.pgwarden.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgwarden.config.ConfigLoader;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.Eventually;
import io.pgwarden.embedded.EmbeddedPostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The sampler against a real PostgreSQL 17: counts per state match the connections the test holds open. */
class InstanceSamplerIT {

    private static final String CONFIG = """
            backends:
              main: {host: 127.0.0.1, port: "${PG_PORT}", admin_user: postgres, sample_interval: 200ms}
            databases:
              orders:       {backend: main, dbname: orders_db, user: orders_owner}
              orders_again: {backend: main, dbname: orders_db, user: orders_owner}
            services:
              svc: {password: p, databases: [orders]}
            """;

    private EmbeddedPostgresServer postgres;
    private PrometheusMeterRegistry registry;
    private InstanceSampler sampler;
    private final List<Connection> held = new ArrayList<>();
    private final ExecutorService sleeper = Executors.newSingleThreadExecutor();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeEach
    void start() throws Exception {
        postgres = EmbeddedPostgresServer.start(0, null);
        try (Connection admin = postgres.adminDataSource("postgres").getConnection(); Statement st = admin.createStatement()) {
            st.execute("CREATE DATABASE orders_db");
        }
        PgwardenConfig config = ConfigLoader.parse(CONFIG, "sampler.yaml", Map.of("PG_PORT", String.valueOf(postgres.port()))::get);
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        sampler = new InstanceSampler(config, registry);
        log.start();
        ((Logger) LoggerFactory.getLogger(BackendSampler.class)).addAppender(log);
    }

    @AfterEach
    void stop() throws Exception {
        ((Logger) LoggerFactory.getLogger(BackendSampler.class)).detachAppender(log);
        for (Connection connection : held) {
            connection.close();
        }
        sleeper.shutdownNow();
        sampler.close();
        postgres.close();
    }

    private Connection open(String dbname) throws Exception {
        Connection connection = postgres.adminDataSource(dbname).getConnection();
        held.add(connection);
        return connection;
    }

    private PrometheusText scrape() {
        return PrometheusText.parse(registry.scrape());
    }

    private static double connections(PrometheusText text, String database, String state) {
        return text.find("pgwarden_backend_connections", Map.of("backend", "main", "database", database, "state", state))
                .orElse(0.0);
    }

    @Test
    void connectionsPerDatabaseAndStateMatchWhatIsOpen() throws Exception {
        open("orders_db");
        open("orders_db");
        Connection inTransaction = open("orders_db");
        inTransaction.setAutoCommit(false);
        try (Statement st = inTransaction.createStatement()) {
            st.execute("SELECT 1");
        }
        Connection busy = open("orders_db");
        Future<?> sleeping = sleeper.submit(() -> {
            try (Statement st = busy.createStatement()) {
                st.execute("SELECT pg_sleep(30)");
            }
            return null;
        });
        awaitActiveSleep();
        open("postgres");

        sampler.sampleNow();
        PrometheusText text = scrape();

        assertEquals(1, text.value("pgwarden_backend_up", Map.of("backend", "main")));
        assertEquals(2, connections(text, "orders", "idle"));
        assertEquals(1, connections(text, "orders", "idle_in_transaction"));
        assertEquals(1, connections(text, "orders", "active"));
        assertTrue(connections(text, "other", "idle") >= 1, "the connection to postgres counts under 'other'");
        assertEquals(Set.of("orders", "other"), text.samples("pgwarden_backend_connections").stream()
                .map(s -> s.labels().get("database")).collect(Collectors.toSet()),
                "orders_db goes to the first database routed to it; the sampler's own session is not counted as active");
        // max_connections 200 (the embedded server's), 3 superuser_reserved_connections, 0 reserved_connections
        assertEquals(197, text.value("pgwarden_backend_max_connections", Map.of("backend", "main")));
        assertEquals("gauge", text.type("pgwarden_backend_connections").orElseThrow());

        assertEquals("counter", text.type("pgwarden_backend_database_xact_commit_total").orElseThrow());
        for (String counter : List.of("xact_commit", "xact_rollback", "blks_read", "blks_hit", "deadlocks", "temp_bytes")) {
            String name = "pgwarden_backend_database_" + counter + "_total";
            assertEquals(Set.of(Map.of("backend", "main", "database", "orders"), Map.of("backend", "main", "database", "other")),
                    text.samples(name).stream().map(PrometheusText.Sample::labels).collect(Collectors.toSet()), name);
        }
        assertTrue(text.value("pgwarden_backend_database_xact_commit_total", Map.of("backend", "main", "database", "orders")) > 0);
        assertEquals(0, text.value("pgwarden_backend_database_deadlocks_total", Map.of("backend", "main", "database", "orders")));

        try (Connection admin = postgres.adminDataSource("postgres").getConnection(); Statement st = admin.createStatement()) {
            st.execute("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'");
        }
        assertThrows(ExecutionException.class, sleeping::get, "pg_sleep was cancelled");
        inTransaction.rollback();
        sampler.sampleNow();
        PrometheusText after = scrape();
        assertEquals(0, connections(after, "orders", "idle_in_transaction"));
        assertEquals(0, connections(after, "orders", "active"));
    }

    private void awaitActiveSleep() throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        try (Connection admin = postgres.adminDataSource("postgres").getConnection(); Statement st = admin.createStatement()) {
            while (System.nanoTime() < deadline) {
                try (ResultSet rows = st.executeQuery(
                        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep%'")) {
                    rows.next();
                    if (rows.getInt(1) == 1) {
                        return;
                    }
                }
                Thread.sleep(20);
            }
        }
        throw new AssertionError("pg_sleep never became active");
    }

    @Test
    void backendUpFlipsToZeroWhenTheServerStopsAndBackOnRecovery() throws Exception {
        sampler.sampleNow();
        assertEquals(1, scrape().value("pgwarden_backend_up", Map.of("backend", "main")));
        int port = postgres.port();

        postgres.stop();
        sampler.sampleNow();
        sampler.sampleNow();

        PrometheusText down = scrape();
        assertEquals(0, down.value("pgwarden_backend_up", Map.of("backend", "main")));
        assertTrue(down.samples("pgwarden_backend_connections").isEmpty(), "no stale connection counts while down");
        assertTrue(sampler.unreadyBackends().isEmpty(), "within the retry window (3 x 200ms)");
        assertEquals(1, warnings(), "a failed sample is logged once, not every interval");
        Eventually.await("main to be unready once down past its retry window (3 x 200 ms)",
                sampler::unreadyBackends, List.of("main")::equals);

        postgres = EmbeddedPostgresServer.start(port, null);
        sampler.sampleNow();

        assertEquals(1, scrape().value("pgwarden_backend_up", Map.of("backend", "main")));
        assertTrue(sampler.unreadyBackends().isEmpty());
        assertEquals(1, log.list.stream().filter(e -> e.getLevel() == Level.INFO
                && e.getFormattedMessage().contains("can be sampled again")).count());
    }

    private long warnings() {
        return log.list.stream().filter(e -> e.getLevel() == Level.WARN).count();
    }
}
