package io.pgwarden.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgwarden.config.ConfigLoader;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.embedded.EmbeddedPostgresServer;
import io.pgwarden.metrics.PrometheusText;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP endpoint over a socket, with a real PostgreSQL behind the sampler: readiness follows the backend. */
class ObservabilityIT {

    private static final String CONFIG = """
            http: {host: 127.0.0.1, port: 0}
            backends:
              main: {host: 127.0.0.1, port: "${PG_PORT}", admin_user: postgres, sample_interval: 200ms}
            databases:
              orders:   {backend: main, dbname: orders_db, user: orders_owner, pool_size: 4}
              payments: {backend: main, dbname: payments_db, user: payments_owner}
            services:
              svc: {password: p, databases: [orders]}
            """;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicBoolean listening = new AtomicBoolean();
    private EmbeddedPostgresServer postgres;
    private Observability observability;

    @BeforeEach
    void start() throws Exception {
        postgres = EmbeddedPostgresServer.start(0, null);
        PgwardenConfig config = ConfigLoader.parse(CONFIG, "observability.yaml",
                Map.of("PG_PORT", String.valueOf(postgres.port()))::get);
        observability = Observability.create(config).start(new FakeProxy(), listening::get);
    }

    @AfterEach
    void stop() {
        observability.close();
        postgres.close();
    }

    private HttpResponse<String> get(String path, String accept) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + observability.httpPort().orElseThrow() + path)).timeout(Duration.ofSeconds(10));
        if (accept != null) {
            request.header("Accept", accept);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> await(String path, Predicate<HttpResponse<String>> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        HttpResponse<String> response = get(path, null);
        while (!condition.test(response) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            response = get(path, null);
        }
        return response;
    }

    @Test
    void readinessWaitsForTheListenerAndFollowsTheBackend() throws Exception {
        HttpResponse<String> notListening = get("/health/ready", null);
        assertEquals(503, notListening.statusCode());
        assertEquals("not ready: not listening for clients\n", notListening.body());

        listening.set(true);
        HttpResponse<String> sampled = await("/metrics", r -> backendUp(r) == 1);
        assertEquals(1, backendUp(sampled));
        assertEquals(200, get("/health/ready", null).statusCode());

        postgres.stop();

        HttpResponse<String> down = await("/health/ready", r -> r.statusCode() == 503);
        assertEquals(503, down.statusCode());
        assertEquals("not ready: backends unreachable beyond their retry window: main\n", down.body());
        assertEquals(200, get("/health/live", null).statusCode());
        assertEquals(0, backendUp(get("/metrics", null)));
    }

    private static double backendUp(HttpResponse<String> metrics) {
        return PrometheusText.parse(metrics.body()).value("pgwarden_backend_up", Map.of("backend", "main"));
    }

    @Test
    void metricsCarryPgwardenJvmAndProcessSeriesInBothFormats() throws Exception {
        HttpResponse<String> text = get("/metrics", null);
        assertEquals(200, text.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", text.headers().firstValue("Content-Type").orElseThrow());
        PrometheusText parsed = PrometheusText.parse(text.body());
        assertEquals(0, parsed.value("pgwarden_transactions_total", Map.of("database", "orders")));
        assertTrue(!parsed.samples("jvm_memory_used_bytes").isEmpty());
        assertTrue(!parsed.samples("process_uptime_seconds").isEmpty());
        assertTrue(!parsed.samples("jvm_threads_live_threads").isEmpty());
        assertTrue(!parsed.samples("jvm_gc_max_data_size_bytes").isEmpty(), "GC metrics are bound");

        HttpResponse<String> open = get("/metrics", "application/openmetrics-text; version=1.0.0");
        assertEquals("application/openmetrics-text; version=1.0.0; charset=utf-8",
                open.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(open.body().endsWith("# EOF\n"));
    }

    @Test
    void poolsAndErrorsOverTheSocket() throws Exception {
        HttpResponse<String> pools = get("/pools", null);
        assertEquals(200, pools.statusCode());
        assertTrue(pools.body().startsWith("[\n  {\"database\": \"orders\", \"user\": \"orders_owner\""), pools.body());

        assertEquals(404, get("/admin", null).statusCode());
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + observability.httpPort().orElseThrow() + "/metrics")).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        assertEquals("GET", post.headers().firstValue("Allow").orElseThrow());
    }
}
