package io.pgwarden.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Meter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** pgwarden's meters through a real Prometheus registry, read back with a text-format parser. */
class PgwardenMetricsTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final PgwardenMetrics metrics = new PgwardenMetrics(registry, MetricsFixtures.config());

    private PrometheusText scrape() {
        return PrometheusText.parse(registry.scrape());
    }

    private static long millis(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void trafficCountersHaveExactValuesAndLabels() {
        DatabaseMeters orders = metrics.forDatabase("orders");
        orders.transactionCompleted(millis(3));
        orders.transactionCompleted(millis(30));
        orders.queryCompleted(millis(1));
        orders.queryCompleted(millis(2));
        orders.queryCompleted(millis(20));
        orders.bytesClientToServer(100);
        orders.bytesClientToServer(23);
        orders.bytesServerToClient(4096);

        PrometheusText text = scrape();

        assertEquals(2, text.value("pgwarden_transactions_total", Map.of("database", "orders")));
        assertEquals(0, text.value("pgwarden_transactions_total", Map.of("database", "payments")));
        assertEquals(3, text.value("pgwarden_queries_total", Map.of("database", "orders")));
        assertEquals(123, text.value("pgwarden_bytes_total", Map.of("database", "orders", "direction", "client_to_server")));
        assertEquals(4096, text.value("pgwarden_bytes_total", Map.of("database", "orders", "direction", "server_to_client")));
        assertEquals(Set.of(Map.of("database", "orders"), Map.of("database", "payments")),
                Set.copyOf(text.samples("pgwarden_transactions_total").stream().map(PrometheusText.Sample::labels).toList()),
                "one series per configured database, and no 'unknown' until something asks for it");
        assertEquals("counter", text.type("pgwarden_transactions_total").orElseThrow());
        assertEquals("counter", text.type("pgwarden_bytes_total").orElseThrow());
    }

    @Test
    void refusedLoginsAreCountedByLimitFromZero() {
        assertEquals(0, scrape().value("pgwarden_logins_refused_total", Map.of("limit", "max_pending_logins")));
        metrics.loginRefused(LoginRefusal.MAX_PENDING_LOGINS_PER_ADDRESS);
        metrics.loginRefused(LoginRefusal.MAX_PENDING_LOGINS_PER_ADDRESS);
        PrometheusText text = scrape();
        assertEquals(0, text.value("pgwarden_logins_refused_total", Map.of("limit", "max_pending_logins")));
        assertEquals(2, text.value("pgwarden_logins_refused_total", Map.of("limit", "max_pending_logins_per_address")));
    }

    @Test
    void timersAreHistogramsWithBucketsFrom100MicrosecondsTo30Seconds() {
        DatabaseMeters orders = metrics.forDatabase("orders");
        orders.clientWaitEnded(TimeUnit.MICROSECONDS.toNanos(50), false);
        orders.clientWaitEnded(millis(80), false);
        orders.clientWaitEnded(millis(5_000), true);

        PrometheusText text = scrape();

        assertEquals("histogram", text.type("pgwarden_client_wait_seconds").orElseThrow());
        List<PrometheusText.Sample> buckets = text.samples("pgwarden_client_wait_seconds_bucket").stream()
                .filter(s -> s.labels().get("database").equals("orders")).toList();
        assertEquals(List.of(1.0E-4, 2.5E-4, 5.0E-4, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                        1.0, 2.5, 5.0, 10.0, 30.0, Double.POSITIVE_INFINITY),
                buckets.stream().map(s -> Double.parseDouble(s.labels().get("le").replace("+Inf", "Infinity"))).toList());
        assertEquals(1, text.value("pgwarden_client_wait_seconds_bucket", Map.of("database", "orders", "le", "1.0E-4")));
        assertEquals(1, text.value("pgwarden_client_wait_seconds_bucket", Map.of("database", "orders", "le", "0.05")));
        assertEquals(2, text.value("pgwarden_client_wait_seconds_bucket", Map.of("database", "orders", "le", "0.1")));
        assertEquals(3, text.value("pgwarden_client_wait_seconds_bucket", Map.of("database", "orders", "le", "5.0")));
        assertEquals(3, text.value("pgwarden_client_wait_seconds_bucket", Map.of("database", "orders", "le", "+Inf")));
        assertEquals(3, text.value("pgwarden_client_wait_seconds_count", Map.of("database", "orders")));
        assertEquals(5.08005, text.value("pgwarden_client_wait_seconds_sum", Map.of("database", "orders")), 1e-9);
        assertEquals(1, text.value("pgwarden_client_wait_timeouts_total", Map.of("database", "orders")));
        assertEquals(0, text.value("pgwarden_client_wait_timeouts_total", Map.of("database", "payments")));
        assertTrue(text.type("pgwarden_transaction_duration_seconds").orElseThrow().equals("histogram"));
        assertTrue(text.type("pgwarden_query_duration_seconds").orElseThrow().equals("histogram"));
    }

    @Test
    void serverErrorsAreCountedByTheirTwoCharacterClass() {
        DatabaseMeters payments = metrics.forDatabase("payments");
        payments.serverError("23505");
        payments.serverError("23503");
        payments.serverError("42P01");
        payments.serverError("x");
        payments.serverError("zz999");

        PrometheusText text = scrape();

        assertEquals(2, text.value("pgwarden_server_errors_total", Map.of("database", "payments", "sqlstate_class", "23")));
        assertEquals(1, text.value("pgwarden_server_errors_total", Map.of("database", "payments", "sqlstate_class", "42")));
        assertEquals(2, text.value("pgwarden_server_errors_total", Map.of("database", "payments", "sqlstate_class", "unknown")));
        assertEquals(3, text.samples("pgwarden_server_errors_total").size());
    }

    @Test
    void loginsAreCountedUnderConfiguredNamesOnly() {
        metrics.clientAccepted("orders-service", "orders");
        metrics.clientAccepted("orders-service", "orders");
        metrics.clientDenied("orders-service", "payments");
        metrics.clientDenied("drop-table-students", "no-such-db-1");
        metrics.clientDenied("drop-table-students-2", "no-such-db-2");
        metrics.clientAuthFailed("reporting-service", "orders", AuthFailure.WRONG_PASSWORD);
        metrics.clientAuthFailed("mallory", "payments", AuthFailure.UNKNOWN_SERVICE);
        metrics.clientAuthFailed("ops", "pgwarden", AuthFailure.WRONG_PASSWORD);

        PrometheusText text = scrape();

        assertEquals(2, text.value("pgwarden_client_connections_total",
                Map.of("database", "orders", "service", "orders-service", "result", "ok")));
        assertEquals(1, text.value("pgwarden_client_connections_total",
                Map.of("database", "payments", "service", "orders-service", "result", "denied")));
        assertEquals(2, text.value("pgwarden_client_connections_total",
                Map.of("database", "unknown", "service", "unknown", "result", "denied")));
        assertEquals(1, text.value("pgwarden_client_connections_total",
                Map.of("database", "orders", "service", "reporting-service", "result", "auth_failed")));
        assertEquals(1, text.value("pgwarden_client_connections_total",
                Map.of("database", "payments", "service", "unknown", "result", "auth_failed")));
        assertEquals(1, text.value("pgwarden_client_connections_total",
                Map.of("database", "pgwarden", "service", "ops", "result", "auth_failed")));
        assertEquals(6, text.samples("pgwarden_client_connections_total").size());
        assertEquals(1, text.value("pgwarden_access_denied_total", Map.of("service", "orders-service", "database", "payments")));
        assertEquals(2, text.value("pgwarden_access_denied_total", Map.of("service", "unknown", "database", "unknown")));
        assertEquals(2, text.value("pgwarden_auth_failures_total", Map.of("reason", "wrong_password")));
        assertEquals(1, text.value("pgwarden_auth_failures_total", Map.of("reason", "unknown_service")));
    }

    @Test
    void poolGaugesReadTheViewAtScrapeTime() {
        MetricsFixtures.FixedPoolView orders = new MetricsFixtures.FixedPoolView("orders", "main", 4);
        metrics.bindPool(orders);
        orders.clientsActive = 3;
        orders.clientsWaiting = 5;
        orders.clientsIdle = 1;
        orders.serversActive = 2;
        orders.serversIdle = 0;
        orders.serversLogin = 1;
        orders.serversTested = 0;

        PrometheusText text = scrape();

        assertEquals(3, text.value("pgwarden_clients", Map.of("database", "orders", "state", "active")));
        assertEquals(5, text.value("pgwarden_clients", Map.of("database", "orders", "state", "waiting")));
        assertEquals(1, text.value("pgwarden_clients", Map.of("database", "orders", "state", "idle")));
        assertEquals(2, text.value("pgwarden_server_connections", Map.of("database", "orders", "backend", "main", "state", "active")));
        assertEquals(1, text.value("pgwarden_server_connections", Map.of("database", "orders", "backend", "main", "state", "login")));
        assertEquals(0, text.value("pgwarden_server_connections", Map.of("database", "orders", "backend", "main", "state", "idle")));
        assertEquals(0, text.value("pgwarden_server_connections", Map.of("database", "orders", "backend", "main", "state", "tested")));
        assertEquals(4, text.value("pgwarden_pool_size", Map.of("database", "orders")));
        assertEquals(0.75, text.value("pgwarden_pool_saturation_ratio", Map.of("database", "orders")));
        assertEquals("gauge", text.type("pgwarden_pool_saturation_ratio").orElseThrow());

        orders.serversActive = 4;
        orders.serversLogin = 0;
        assertEquals(1.0, scrape().value("pgwarden_pool_saturation_ratio", Map.of("database", "orders")));
    }

    @Test
    void closingABindingRemovesItsGauges() {
        MeterBinding binding = metrics.bindPool(new MetricsFixtures.FixedPoolView("orders", "main", 4));
        binding.close();
        assertTrue(scrape().samples("pgwarden_pool_size").isEmpty());
    }

    @Test
    void totalsFeedShowStats() {
        DatabaseMeters orders = metrics.forDatabase("orders");
        orders.clientWaitEnded(millis(2), false);
        orders.clientWaitEnded(millis(3), false);
        orders.clientWaitEnded(millis(100), true);
        orders.transactionCompleted(millis(4));
        orders.queryCompleted(millis(1));
        orders.queryCompleted(millis(1));
        orders.bytesClientToServer(10);
        orders.bytesServerToClient(20);

        assertEquals(new DatabaseTotals(2, 1, 2, 10, 20, 4_000, 2_000, 105_000), orders.totals());
    }

    @Test
    void disabledMetricsHandOutNoOpHolders() {
        PrometheusMeterRegistry quiet = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PgwardenMetrics off = new PgwardenMetrics(quiet, MetricsFixtures.config(), false);

        DatabaseMeters orders = off.forDatabase("orders");
        orders.transactionCompleted(1);
        off.clientAccepted("orders-service", "orders");
        off.clientDenied("orders-service", "payments");
        off.clientAuthFailed("x", "y", AuthFailure.TIMEOUT);

        assertSame(DatabaseMeters.NONE, orders);
        assertEquals(DatabaseTotals.ZERO, orders.totals());
        assertTrue(quiet.getMeters().isEmpty(), quiet.getMeters().stream().map(m -> m.getId().getName()).toList().toString());
    }

    @Test
    void anUnconfiguredDatabaseIsCountedAsUnknown() {
        metrics.forDatabase("nope").queryCompleted(1);
        metrics.forDatabase("other-nope").queryCompleted(1);

        assertSame(metrics.forDatabase("nope"), metrics.forDatabase("other-nope"));
        assertEquals(2, scrape().value("pgwarden_queries_total", Map.of("database", "unknown")));
    }

    @Test
    void movesAreCountedByResultFromZeroAndTimedUnlessAbandoned() {
        assertEquals(0, scrape().value("pgwarden_database_moves_total", Map.of("database", "orders", "result", "forced")),
                "every result exists at 0 before the first move");
        DatabaseMeters orders = metrics.forDatabase("orders");
        orders.moveEnded(40_000_000L, MoveResult.CLEAN, 0);
        orders.moveEnded(2_000_000_000L, MoveResult.FORCED, 2);
        orders.moveEnded(5_000_000_000L, MoveResult.ABANDONED, 0);
        PrometheusText text = scrape();
        for (MoveResult result : MoveResult.values()) {
            assertEquals(1, text.value("pgwarden_database_moves_total", Map.of("database", "orders", "result", result.label())));
        }
        assertEquals(2, text.value("pgwarden_database_move_seconds_count", Map.of("database", "orders")));
        assertEquals(2.04, text.value("pgwarden_database_move_seconds_sum", Map.of("database", "orders")), 1e-9);
        assertEquals(1, text.value("pgwarden_database_move_seconds_bucket", Map.of("database", "orders", "le", "0.05")),
                "the clean move's 40 ms pause falls in the 50 ms bucket");
        assertEquals(2, text.value("pgwarden_clients_ended_total", Map.of("database", "orders", "reason", "moved")));
    }

    @Test
    void everyMeterFollowsThePrometheusNamingConventions() {
        for (PgwardenMeter meter : PgwardenMeter.values()) {
            assertEquals(meter.meterName().replace('.', '_') + suffix(meter.type()), meter.prometheusName(), meter.name());
            assertTrue(meter.prometheusName().startsWith("pgwarden_"), meter.name());
            // only process-wide gauges (the last reload, paused and moving databases) have no label
            assertTrue((!meter.labels().isEmpty() || meter.type() == Meter.Type.GAUGE) && !meter.description().isBlank(), meter.name());
        }
    }

    private static String suffix(Meter.Type type) {
        return switch (type) {
            case COUNTER -> "_total";
            case TIMER -> "_seconds";
            default -> "";
        };
    }

    /** The proxy-side meters (the sampler's are checked in InstanceSamplerIT) render under their contract names and labels. */
    @Test
    void proxyMetersRenderWithTheirContractNamesAndLabels() {
        metrics.bindPool(new MetricsFixtures.FixedPoolView("orders", "main", 4));
        io.pgwarden.pool.PinnedClients pinned = new io.pgwarden.pool.PinnedClients(2);
        metrics.bindPins("orders", pinned);
        metrics.forDatabase("orders").serverError("40001");
        metrics.clientDenied("orders-service", "payments");
        metrics.clientAuthFailed("orders-service", "orders", AuthFailure.WRONG_PASSWORD);
        metrics.clientEnded("orders", "revoked");
        metrics.bindPaused(() -> 1);
        metrics.bindMoving(() -> 0);
        metrics.bindBudget(new BudgetView() {
            @Override
            public String backend() {
                return "main";
            }

            @Override
            public int capacity() {
                return 17;
            }

            @Override
            public int used() {
                return 5;
            }
        });
        PrometheusText text = scrape();

        for (PgwardenMeter meter : PgwardenMeter.values()) {
            if (meter.name().startsWith("BACKEND") && !meter.name().startsWith("BACKEND_BUDGET")
                    || meter.name().startsWith("ISOLATION")) {
                continue; // the instance sampler's, and the isolation audit's (AuditCommandIT)
            }
            String series = meter.type() == Meter.Type.TIMER ? meter.prometheusName() + "_count" : meter.prometheusName();
            List<PrometheusText.Sample> samples = text.samples(series);
            assertTrue(!samples.isEmpty(), "no series " + series);
            Set<String> labelNames = samples.stream().flatMap(s -> s.labels().keySet().stream())
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(new TreeSet<>(meter.labels()), labelNames, series);
        }
        assertEquals(0, text.value("pgwarden_pinned_clients", java.util.Map.of("database", "orders", "reason", "listen")));
        assertEquals(0, text.value("pgwarden_pins_total", java.util.Map.of("database", "orders", "reason", "temp_table")));
        assertEquals(17, text.value("pgwarden_backend_budget_connections", java.util.Map.of("backend", "main")));
        assertEquals(5, text.value("pgwarden_backend_budget_in_use", java.util.Map.of("backend", "main")));
    }
}
