package io.pgwarden.admin;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The clock of {@code http.read_timeout}, on an embedded channel with time moved by hand. */
class HttpRequestDeadlineTest {

    private final EmbeddedChannel channel = new EmbeddedChannel(new HttpRequestDeadline(Duration.ofSeconds(10)));

    private void advance(long seconds) {
        channel.advanceTimeBy(seconds, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void aConnectionWithoutAWholeRequestIsClosedAtTheTimeout() {
        advance(9);
        assertTrue(channel.isOpen());
        advance(1);
        assertFalse(channel.isOpen());
    }

    @Test
    void eachRequestAndEachResponseWrittenRestartTheClock() {
        advance(9);
        channel.writeInbound("request");
        advance(9);
        assertTrue(channel.isOpen(), "the response had its own 10 s");
        channel.writeOutbound("response");
        advance(9);
        assertTrue(channel.isOpen(), "the next request has its own 10 s");
        advance(1);
        assertFalse(channel.isOpen(), "an idle keep-alive connection is closed");
        channel.releaseInbound();
        channel.releaseOutbound();
    }
}
