package io.pgwarden.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.pgwarden.metrics.MetricsFixtures;
import io.pgwarden.metrics.PgwardenMetrics;
import io.pgwarden.metrics.PrometheusText;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Each path's answer, without a socket. */
class HttpRoutesTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final FakeProxy proxy = new FakeProxy();
    private final List<Optional<String>> problems = new ArrayList<>(List.of(Optional.empty()));
    private final HttpRoutes routes = new HttpRoutes(registry, List.of(() -> problems.get(0)),
            () -> PoolTables.pools(MetricsFixtures.config(), proxy.pools()));

    private record Answer(int status, String contentType, String body, String allow) {
    }

    private Answer request(HttpMethod method, String uri, String accept) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri);
        if (accept != null) {
            request.headers().set(HttpHeaderNames.ACCEPT, accept);
        }
        FullHttpResponse response = routes.respond(request, ByteBufAllocator.DEFAULT);
        try {
            String body = response.content().toString(StandardCharsets.UTF_8);
            assertEquals(response.content().readableBytes(), response.headers().getInt(HttpHeaderNames.CONTENT_LENGTH));
            return new Answer(response.status().code(), response.headers().get(HttpHeaderNames.CONTENT_TYPE), body,
                    response.headers().get(HttpHeaderNames.ALLOW));
        } finally {
            response.release();
            request.release();
        }
    }

    private Answer get(String uri) {
        return request(HttpMethod.GET, uri, null);
    }

    @Test
    void metricsAreThePrometheusTextFormat() {
        new PgwardenMetrics(registry, MetricsFixtures.config()).forDatabase("orders").queryCompleted(1_000);

        Answer answer = request(HttpMethod.GET, "/metrics", "text/plain;version=0.0.4;q=0.3,*/*;q=0.1");

        assertEquals(200, answer.status());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", answer.contentType());
        assertEquals(1, PrometheusText.parse(answer.body()).value("pgwarden_queries_total", Map.of("database", "orders")));
        assertEquals("text/plain; version=0.0.4; charset=utf-8", get("/metrics?debug=1").contentType());
    }

    @Test
    void openMetricsWhenTheScraperAsksForIt() {
        new PgwardenMetrics(registry, MetricsFixtures.config());

        Answer answer = request(HttpMethod.GET, "/metrics",
                "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                        + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1");

        assertEquals("application/openmetrics-text; version=1.0.0; charset=utf-8", answer.contentType());
        assertTrue(answer.body().endsWith("# EOF\n"), "OpenMetrics ends with # EOF");
        assertTrue(answer.body().contains("# TYPE pgwarden_queries counter"));
    }

    @Test
    void livenessIsAlwaysOkAndReadinessListsProblems() {
        assertEquals(new Answer(200, "text/plain; charset=utf-8", "live\n", null), get("/health/live"));
        assertEquals(new Answer(200, "text/plain; charset=utf-8", "ready\n", null), get("/health/ready"));

        problems.set(0, Optional.of("backends unreachable beyond their retry window: main"));

        assertEquals(new Answer(503, "text/plain; charset=utf-8",
                "not ready: backends unreachable beyond their retry window: main\n", null), get("/health/ready"));
        assertEquals(200, get("/health/live").status());
    }

    @Test
    void poolsAreShowPoolsAsJson() {
        proxy.orders.clientsActive = 2;
        proxy.orders.serversActive = 2;

        Answer answer = get("/pools");

        assertEquals(200, answer.status());
        assertEquals("application/json; charset=utf-8", answer.contentType());
        assertEquals("""
                [
                  {"database": "orders", "user": "orders_owner", "cl_active": 2, "cl_waiting": 0, \
                "cl_active_cancel_req": 0, "cl_waiting_cancel_req": 0, "sv_active": 2, "sv_active_cancel": 0, \
                "sv_being_canceled": 0, "sv_idle": 0, "sv_used": 0, "sv_tested": 0, "sv_login": 0, "maxwait": 0, \
                "maxwait_us": 0, "pool_mode": "session", "load_balance_hosts": null, "fair_share": "0.0", "throttled": 0},
                  {"database": "payments", "user": "payments_owner", "cl_active": 0, "cl_waiting": 0, \
                "cl_active_cancel_req": 0, "cl_waiting_cancel_req": 0, "sv_active": 0, "sv_active_cancel": 0, \
                "sv_being_canceled": 0, "sv_idle": 0, "sv_used": 0, "sv_tested": 0, "sv_login": 0, "maxwait": 0, \
                "maxwait_us": 0, "pool_mode": "transaction", "load_balance_hosts": null, "fair_share": "0.0", "throttled": 0}
                ]
                """, answer.body());
    }

    @Test
    void unknownPathsAre404AndOtherMethods405() {
        assertEquals(404, get("/").status());
        assertEquals(404, get("/metrics/extra").status());
        Answer post = request(HttpMethod.POST, "/metrics", null);
        assertEquals(405, post.status());
        assertEquals("GET", post.allow());
        assertEquals(405, request(HttpMethod.DELETE, "/pools", null).status());
        assertEquals(404, request(HttpMethod.POST, "/nothing", null).status());
    }

    @Test
    void jsonEscapesStrings() {
        StringBuilder json = new StringBuilder();
        Json.string(json, "a\"b\\c\nd\u0001é");
        assertEquals("\"a\\\"b\\\\c\\nd\\u0001é\"", json.toString());
        assertEquals("[]\n", Json.table(ResultTable.builder("SHOW").text("x").build()));
    }
}
