package io.pgwarden.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pgwarden.metrics.MetricsFixtures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Any bytes sent to the HTTP endpoint, in reads of any size, through its real pipeline: only
 * well-formed responses with the statuses the endpoint documents, a 400 for what the codec cannot
 * read followed by a close, no exception out of the pipeline, and every buffer released.
 *
 * <p>Input: the bytes, then one trailing byte for the read size.
 */
class HttpEndpointFuzzTest {

    private static final Set<Integer> STATUSES = Set.of(100, 200, 400, 404, 405, 413, 417);
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");
    private static final HttpRoutes ROUTES = new HttpRoutes(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List.of(),
            () -> PoolTables.pools(MetricsFixtures.config(), new FakeProxy().pools()));

    @FuzzTest(maxDuration = "5s")
    void anyBytesGetDocumentedAnswersOrAClose(FuzzedDataProvider data) {
        int chunkSize = data.consumeInt(1, 256);
        byte[] stream = data.consumeRemainingAsBytes();
        EmbeddedChannel channel = new EmbeddedChannel();
        HttpEndpoint.addHandlers(channel, Duration.ofSeconds(10), ROUTES);
        List<ByteBuf> inputs = new ArrayList<>();
        StringBuilder answered = new StringBuilder();
        try {
            for (int offset = 0; offset < stream.length && channel.isOpen(); offset += chunkSize) {
                int length = Math.min(chunkSize, stream.length - offset);
                ByteBuf chunk = PooledByteBufAllocator.DEFAULT.buffer(length).writeBytes(stream, offset, length);
                inputs.add(chunk);
                channel.writeInbound(chunk); // an exception out of the pipeline fails the target
                readAnswers(channel, answered);
            }
        } finally {
            channel.finishAndReleaseAll();
        }
        for (int i = 0; i < inputs.size(); i++) {
            assertEquals(0, inputs.get(i).refCnt(), "input chunk " + i + " was not released");
        }

        String answers = answered.toString();
        assertTrue(answers.isEmpty() || answers.startsWith("HTTP/1.1 "), "answers are HTTP responses: " + head(answers));
        Matcher status = STATUS_LINE.matcher(answers);
        while (status.find()) {
            int code = Integer.parseInt(status.group(1));
            assertTrue(STATUSES.contains(code), "undocumented status " + code);
            if (code == 400) {
                assertFalse(channel.isOpen(), "a request the codec cannot read closes the connection");
            }
        }
    }

    private static void readAnswers(EmbeddedChannel channel, StringBuilder answered) {
        for (ByteBuf out = channel.readOutbound(); out != null; out = channel.readOutbound()) {
            answered.append(out.toString(StandardCharsets.ISO_8859_1));
            out.release();
        }
    }

    private static String head(String text) {
        return text.substring(0, Math.min(80, text.length()));
    }
}
