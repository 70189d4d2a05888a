package io.pgwarden.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pgwarden.metrics.MetricsFixtures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The endpoint's pipeline on an embedded channel: what a client that sends garbage gets. */
class HttpEndpointTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();

    HttpEndpointTest() {
        HttpRoutes routes = new HttpRoutes(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List.of(),
                () -> PoolTables.pools(MetricsFixtures.config(), new FakeProxy().pools()));
        HttpEndpoint.addHandlers(channel, Duration.ofSeconds(10), routes);
    }

    @AfterEach
    void release() {
        channel.finishAndReleaseAll();
    }

    private String send(String request) {
        channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
        StringBuilder answer = new StringBuilder();
        for (ByteBuf out = channel.readOutbound(); out != null; out = channel.readOutbound()) {
            answer.append(out.toString(StandardCharsets.ISO_8859_1));
            out.release();
        }
        return answer.toString();
    }

    @Test
    void aRequestTheCodecCannotReadGets400AndAClose() {
        String answer = send("GET /metrics HTTP/9.Z\r\nHost: p\r\n\r\n");

        assertTrue(answer.startsWith("HTTP/1.1 400 Bad Request\r\n"), answer);
        assertFalse(channel.isOpen());
    }

    /** Found by HttpEndpointFuzzTest (crash-bad-percent-escape): a 500 and a WARN with a stack trace. */
    @Test
    void aBadPercentEscapeInThePathGets400() {
        String answer = send("GET /p%.1T HTTP/1.1\r\nHost: p\r\n\r\n");

        assertTrue(answer.startsWith("HTTP/1.1 400 Bad Request\r\n"), answer);
    }

    @Test
    void aGoodRequestStillGetsItsAnswerAndKeepsTheConnection() {
        String answer = send("GET /health/live HTTP/1.1\r\nHost: p\r\n\r\n");

        assertTrue(answer.startsWith("HTTP/1.1 200 OK\r\n"), answer);
        assertTrue(answer.endsWith("live\n"), answer);
        assertTrue(channel.isOpen());
        assertEquals(0, channel.outboundMessages().size());
    }
}
