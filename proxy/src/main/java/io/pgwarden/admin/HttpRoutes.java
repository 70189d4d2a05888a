package io.pgwarden.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What each path of the HTTP endpoint answers. Plain request in, response out: no sockets, so
 * tests call it directly.
 * <pre>
 *   GET /metrics        Prometheus text 0.0.4, or OpenMetrics 1.0 when Accept asks for it
 *   GET /health/live    200 while the process serves
 *   GET /health/ready   200 when every {@link HealthCheck} passes, else 503 listing the problems
 *   GET /pools          SHOW POOLS as a JSON array
 *   other paths 404; other methods 405; a request the codec cannot read 400 (then a close)
 * </pre>
 */
public final class HttpRoutes {

    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    private static final String PLAIN_TEXT = "text/plain; charset=utf-8";
    private static final String JSON = "application/json; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final List<HealthCheck> readiness;
    private final Supplier<ResultTable> pools;

    public HttpRoutes(PrometheusMeterRegistry registry, List<HealthCheck> readiness, Supplier<ResultTable> pools) {
        this.registry = registry;
        this.readiness = List.copyOf(readiness);
        this.pools = pools;
    }

    FullHttpResponse respond(FullHttpRequest request, ByteBufAllocator alloc) {
        String path;
        try {
            path = new QueryStringDecoder(request.uri()).path();
        } catch (IllegalArgumentException badEscape) {
            return badRequest(alloc); // e.g. "%.1": the client's mistake, not ours to log
        }
        boolean known = switch (path) {
            case "/metrics", "/health/live", "/health/ready", "/pools" -> true;
            default -> false;
        };
        if (!known) {
            return text(alloc, HttpResponseStatus.NOT_FOUND, "not found; try /metrics, /health/live, /health/ready or /pools\n");
        }
        if (!HttpMethod.GET.equals(request.method())) {
            FullHttpResponse response = text(alloc, HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET\n");
            response.headers().set(HttpHeaderNames.ALLOW, "GET");
            return response;
        }
        return switch (path) {
            case "/metrics" -> metrics(alloc, request.headers().get(HttpHeaderNames.ACCEPT));
            case "/health/live" -> text(alloc, HttpResponseStatus.OK, "live\n");
            case "/health/ready" -> ready(alloc);
            default -> response(alloc, HttpResponseStatus.OK, JSON, Json.table(pools.get()));
        };
    }

    private FullHttpResponse metrics(ByteBufAllocator alloc, String accept) {
        String contentType = accept != null && accept.contains("application/openmetrics-text")
                ? OPENMETRICS_TEXT : PROMETHEUS_TEXT;
        return response(alloc, HttpResponseStatus.OK, contentType, registry.scrape(contentType));
    }

    private FullHttpResponse ready(ByteBufAllocator alloc) {
        List<String> problems = readiness.stream().map(HealthCheck::problem).flatMap(Optional::stream).toList();
        if (problems.isEmpty()) {
            return text(alloc, HttpResponseStatus.OK, "ready\n");
        }
        return text(alloc, HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready: " + String.join("; ", problems) + "\n");
    }

    /** For bytes the HTTP codec could not read as a request; the connection closes after it. */
    static FullHttpResponse badRequest(ByteBufAllocator alloc) {
        FullHttpResponse response = text(alloc, HttpResponseStatus.BAD_REQUEST, "bad request\n");
        response.headers().set(HttpHeaderNames.CONNECTION, "close");
        return response;
    }

    static FullHttpResponse internalError(ByteBufAllocator alloc, RuntimeException e) {
        return text(alloc, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + e + "\n");
    }

    private static FullHttpResponse text(ByteBufAllocator alloc, HttpResponseStatus status, String body) {
        return response(alloc, status, PLAIN_TEXT, body);
    }

    private static FullHttpResponse response(ByteBufAllocator alloc, HttpResponseStatus status, String contentType,
                                             String body) {
        ByteBuf content = alloc.buffer();
        content.writeCharSequence(body, StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        return response;
    }
}
