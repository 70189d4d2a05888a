package io.pgwarden.metrics;

import io.pgwarden.Eventually;
import io.pgwarden.RawPgClient;
import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A scripted workload — two services on two databases, known queries and transactions, one denied
 * access, one wrong password, one wait timeout — then /metrics, parsed as Prometheus text: every
 * counter has exactly the value and labels the workload implies.
 */
@WithPlatform({"QUERY_WAIT_TIMEOUT=1s"})
class LoadReportingIT {

    private static TestPlatform platform;
    private static PrometheusText metrics;

    @BeforeAll
    static void runTheWorkloadAndScrape() throws Exception {
        try (RawPgClient orders = new RawPgClient(platform.pgwarden().port())) {
            orders.loginMd5("md5-service", "md5-pw", "orders");
            for (String sql : new String[] {"SELECT 1", "SELECT 2", "SELECT 3", "BEGIN", "SELECT 4", "COMMIT", "SELECT 1/0"}) {
                orders.query(sql);
                orders.typesUntilReady(null);
            }
        }
        Properties simple = new Properties();
        simple.setProperty("preferQueryMode", "simple");
        try (Connection payments = platform.connect("payments-service", "payments-pw", "payments", simple);
             Statement st = payments.createStatement()) {
            st.execute("SELECT 1");
            st.execute("SELECT 2");
        }
        assertEquals("42501", assertThrows(SQLException.class, () -> platform.connect("orders-service", "payments").close()).getSQLState());
        assertEquals("28P01", assertThrows(SQLException.class,
                () -> platform.connect("payments-service", "wrong", "payments", new Properties()).close()).getSQLState());
        try (Connection holder = platform.connect("users-service", "users")) { // users has pool_size 1
            assertEquals("53300", assertThrows(SQLException.class, () -> platform.connect("users-service", "users").close()).getSQLState());
        }
        // the last ReadyForQuery's meters are updated after it was forwarded: wait until the workload's
        // last queries are counted; the tests then check the counts are exact, not more
        metrics = Eventually.await("the workload's queries to be counted", () -> PrometheusText.parse(scrape("/metrics")),
                m -> m.find("pgwarden_queries_total", Map.of("database", "orders")).orElse(0.0) >= 7
                        && m.find("pgwarden_queries_total", Map.of("database", "payments")).orElse(0.0) >= 2
                        && m.find("pgwarden_transactions_total", Map.of("database", "payments")).orElse(0.0) >= 2);
    }

    private static String scrape(String path) throws IOException, InterruptedException {
        int port = platform.pgwarden().httpPort().orElseThrow();
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }

    @Test
    void queriesAndTransactionsPerDatabaseAreExact() {
        assertEquals(7, metrics.value("pgwarden_queries_total", Map.of("database", "orders")));
        assertEquals(5, metrics.value("pgwarden_transactions_total", Map.of("database", "orders")),
                "4 autocommit statements (one failed) and one BEGIN..COMMIT");
        assertEquals(2, metrics.value("pgwarden_queries_total", Map.of("database", "payments")));
        assertEquals(2, metrics.value("pgwarden_transactions_total", Map.of("database", "payments")));
        assertEquals(7, metrics.value("pgwarden_query_duration_seconds_count", Map.of("database", "orders")));
        assertTrue(metrics.samples("pgwarden_query_duration_seconds_bucket").stream()
                .anyMatch(s -> "orders".equals(s.labels().get("database"))), "a histogram per database");
    }

    @Test
    void serverErrorsAreCountedByClass() {
        assertEquals(1, metrics.value("pgwarden_server_errors_total", Map.of("database", "orders", "sqlstate_class", "22")));
    }

    @Test
    void deniedAccessWrongPasswordAndWaitTimeoutAreCountedWithTheirLabels() {
        assertEquals(1, metrics.value("pgwarden_access_denied_total", Map.of("service", "orders-service", "database", "payments")));
        assertEquals(1, metrics.value("pgwarden_auth_failures_total", Map.of("reason", "wrong_password")));
        assertEquals(1, metrics.value("pgwarden_client_wait_timeouts_total", Map.of("database", "users")));
        assertEquals(1, metrics.value("pgwarden_client_connections_total",
                Map.of("database", "payments", "service", "orders-service", "result", "denied")));
        assertEquals(1, metrics.value("pgwarden_client_connections_total",
                Map.of("database", "payments", "service", "payments-service", "result", "ok")));
    }

    @Test
    void bytesFlowBothWays() {
        assertTrue(metrics.value("pgwarden_bytes_total", Map.of("database", "orders", "direction", "client_to_server")) > 0);
        assertTrue(metrics.value("pgwarden_bytes_total", Map.of("database", "orders", "direction", "server_to_client")) > 0);
    }

    @Test
    void poolGaugesExistForEveryConfiguredDatabaseOnly() {
        for (String database : platform.config().databases().keySet()) {
            assertTrue(metrics.find("pgwarden_pool_size", Map.of("database", database)).isPresent(), database);
        }
        assertEquals(1, metrics.value("pgwarden_pool_size", Map.of("database", "users")));
        assertTrue(metrics.samples("pgwarden_pool_size").stream().noneMatch(s -> "no_such_db".equals(s.labels().get("database"))));
    }

    @Test
    void healthEndpointsAnswerOkWhileListeningWithTheBackendUp() throws Exception {
        scrape("/health/live"); // asserts 200
        scrape("/health/ready"); // 200: listening and the backend reachable (503 otherwise, see ObservabilityIT)
        String pools = scrape("/pools");
        for (String database : platform.config().databases().keySet()) {
            assertTrue(pools.contains("\"database\": \"" + database + "\""), database + " in " + pools);
        }
    }
}
