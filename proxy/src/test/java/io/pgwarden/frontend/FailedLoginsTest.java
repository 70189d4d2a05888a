package io.pgwarden.frontend;

import io.pgwarden.metrics.ThrottleKey;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FailedLoginsTest {

    private static final InetAddress ATTACKER = address("127.0.0.2");
    private static final InetAddress OTHER = address("127.0.0.1");

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final FailedLogins books = new FailedLogins(3, Duration.ofSeconds(60), Duration.ofSeconds(1), now::get);

    private static InetAddress address(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private void advance(Duration by) {
        now.addAndGet(by.toNanos());
    }

    @Test
    void theFirstFailuresAreAnsweredAtOnceThenTheDelayDoublesUpToItsCap() {
        List<Duration> delays = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            delays.add(books.failed("orders-service", ATTACKER).delay());
        }
        assertEquals(List.of(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ofMillis(100), Duration.ofMillis(200),
                Duration.ofMillis(400), Duration.ofMillis(800), Duration.ofSeconds(1)), delays);
    }

    @Test
    void theThresholdStartsOneEpisodePerKeyAndNoMore() {
        assertEquals(List.of(), books.failed("orders-service", ATTACKER).started());
        assertEquals(List.of(), books.failed("orders-service", ATTACKER).started());
        assertEquals(List.of(new FailedLogins.Episode(ThrottleKey.SERVICE, "orders-service", 3, Duration.ofSeconds(60)),
                        new FailedLogins.Episode(ThrottleKey.ADDRESS, "127.0.0.2", 3, Duration.ofSeconds(60))),
                books.failed("orders-service", ATTACKER).started(), "both keys reached it with the same failure");
        for (int i = 0; i < 5; i++) {
            assertEquals(List.of(), books.failed("orders-service", ATTACKER).started(), "one log line per episode");
        }
    }

    @Test
    void aThrottledServiceDelaysFailuresFromEverywhereButNoSuccess() {
        for (int i = 0; i < 3; i++) {
            books.failed("orders-service", ATTACKER);
        }
        assertEquals(Duration.ZERO, books.beforeSuccess(OTHER), "the right password from elsewhere gets in at once");
        assertEquals(Duration.ofMillis(100), books.failed("orders-service", OTHER).delay(), "a wrong one waits like the attacker's");
        assertEquals(Duration.ZERO, books.failed("payments-service", OTHER).delay(), "other services are not concerned");
    }

    @Test
    void aThrottledAddressWaitsForEveryAnswerRightOrWrong() {
        for (int i = 0; i < 3; i++) {
            books.failed("service-" + i, ATTACKER); // spraying names: the address counts them all
        }
        assertEquals(Duration.ofMillis(100), books.beforeSuccess(ATTACKER), "a success looks no quicker than a failure");
        assertEquals(Duration.ofMillis(100), books.failed("service-9", ATTACKER).delay());
        assertEquals(Duration.ZERO, books.beforeSuccess(OTHER));
    }

    @Test
    void unknownAndKnownNamesAreCountedAlike() {
        for (int i = 0; i < 4; i++) {
            books.failed("no-such-service", OTHER);
            books.failed("orders-service", address("10.0.0." + i));
        }
        assertEquals(books.failed("no-such-service", address("10.1.0.1")).delay(),
                books.failed("orders-service", address("10.1.0.2")).delay());
    }

    @Test
    void theWindowEndsTheEpisode() {
        for (int i = 0; i < 5; i++) {
            books.failed("orders-service", ATTACKER);
        }
        advance(Duration.ofSeconds(59));
        assertTrue(books.beforeSuccess(ATTACKER).compareTo(Duration.ZERO) > 0);
        advance(Duration.ofSeconds(1));
        assertEquals(Duration.ZERO, books.beforeSuccess(ATTACKER));
        assertEquals(Duration.ZERO, books.failed("orders-service", ATTACKER).delay(), "counted afresh");
        books.failed("orders-service", ATTACKER);
        assertEquals(2, books.failed("orders-service", ATTACKER).started().size(), "a new episode, logged again");
    }

    @Test
    void zeroFailuresTurnsThrottlingOff() {
        FailedLogins off = new FailedLogins(0, Duration.ofSeconds(60), Duration.ofSeconds(1), now::get);
        for (int i = 0; i < 100; i++) {
            assertEquals(new FailedLogins.Verdict(Duration.ZERO, List.of()), off.failed("orders-service", ATTACKER));
        }
        assertEquals(Duration.ZERO, off.beforeSuccess(ATTACKER));
        assertEquals(0, off.keys());
    }

    @Test
    void theBooksStayBoundedAndDropExpiredKeysFirst() {
        for (int i = 0; i < FailedLogins.MAX_KEYS + 50; i++) {
            books.failed("name-" + i, ATTACKER);
        }
        assertEquals(FailedLogins.MAX_KEYS + 1, books.keys(), "names beyond the cap are not tracked; the address is");
        advance(Duration.ofSeconds(61));
        books.failed("a-new-name", ATTACKER);
        assertEquals(2, books.keys(), "the expired names made room");
    }
}
