package io.pgwarden.frontend;

import io.pgwarden.config.LimitsConfig;
import io.pgwarden.metrics.ThrottleKey;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The books of failed logins, per service name and per source address, and the delay they call
 * for ({@code limits.auth_failures} per {@code limits.auth_failure_window}). Decisions only: the
 * handler waits and answers.
 *
 * <p>Once a key has {@code auth_failures} failures in its window it is throttled until the window
 * ends: each further answer waits 100 ms, doubling with every failure, at most
 * {@code auth_failure_max_delay}. Who waits:
 * <ul>
 *   <li>a throttled <em>address</em>: every answer to it, right or wrong, waits alike — a prompt
 *       success next to slow failures would tell a guesser it may stop waiting after a few ms;</li>
 *   <li>a throttled <em>service</em>: only its failures wait. A correct password from another
 *       address gets in at once, so an attacker cannot lock a service out.</li>
 * </ul>
 * The service key is the name the client sent, whether it exists or not, so throttling never
 * tells a known name from an unknown one. Each map holds at most {@link #MAX_KEYS} keys (expired
 * ones are dropped first): beyond that a new key is not tracked rather than memory grown.
 *
 * <p>Shared by every event loop: each method is one short synchronized step.
 */
public final class FailedLogins {

    static final Duration FIRST_DELAY = Duration.ofMillis(100);
    static final int MAX_KEYS = 10_000;

    /** A key reached its threshold with this failure: throttling starts (one log line, one count). */
    public record Episode(ThrottleKey by, String key, int failures, Duration window) {
    }

    /** What a failure calls for: wait {@code delay} before the 28P01; and the episodes it started (usually none). */
    public record Verdict(Duration delay, List<Episode> started) {
    }

    private static final class Count {
        long windowStart;
        int failures;
    }

    private final int threshold;
    private final long windowNanos;
    private final Duration maxDelay;
    private final LongSupplier nanoClock;
    private final Map<String, Count> byService = new HashMap<>();
    private final Map<InetAddress, Count> byAddress = new HashMap<>();

    public FailedLogins(LimitsConfig limits) {
        this(limits.authFailures(), limits.authFailureWindow(), limits.authFailureMaxDelay(), System::nanoTime);
    }

    FailedLogins(int threshold, Duration window, Duration maxDelay, LongSupplier nanoClock) {
        this.threshold = threshold;
        this.windowNanos = window.toNanos();
        this.maxDelay = maxDelay;
        this.nanoClock = nanoClock;
    }

    /** How long a correct login from {@code address} waits before its answer: zero unless the address is throttled. */
    public synchronized Duration beforeSuccess(InetAddress address) {
        return delay(current(byAddress, address, nanoClock.getAsLong()));
    }

    /**
     * Counts a failed login of {@code service} from {@code address}; the delay is the longer of the
     * two keys' as they stood before this failure.
     */
    public synchronized Verdict failed(String service, InetAddress address) {
        if (threshold <= 0) {
            return new Verdict(Duration.ZERO, List.of());
        }
        long now = nanoClock.getAsLong();
        Duration delay = max(delay(current(byService, service, now)), delay(current(byAddress, address, now)));
        List<Episode> started = new ArrayList<>(2);
        count(byService, service, now, ThrottleKey.SERVICE, service).ifPresent(started::add);
        count(byAddress, address, now, ThrottleKey.ADDRESS, address.getHostAddress()).ifPresent(started::add);
        return new Verdict(delay, started);
    }

    /** Keys tracked now, for tests. */
    synchronized int keys() {
        return byService.size() + byAddress.size();
    }

    private int current(Map<?, Count> counts, Object key, long now) {
        Count count = counts.get(key);
        return count == null || now - count.windowStart >= windowNanos ? 0 : count.failures;
    }

    private Duration delay(int failures) {
        if (threshold <= 0 || failures < threshold) {
            return Duration.ZERO;
        }
        int doublings = Math.min(failures - threshold, 30);
        Duration delay = FIRST_DELAY.multipliedBy(1L << doublings);
        return delay.compareTo(maxDelay) > 0 ? maxDelay : delay;
    }

    private <K> Optional<Episode> count(Map<K, Count> counts, K key, long now, ThrottleKey by, String shown) {
        Count count = counts.get(key);
        if (count == null) {
            if (counts.size() >= MAX_KEYS) {
                dropExpired(counts, now);
                if (counts.size() >= MAX_KEYS) {
                    return Optional.empty();
                }
            }
            count = new Count();
            count.windowStart = now;
            counts.put(key, count);
        } else if (now - count.windowStart >= windowNanos) {
            count.windowStart = now;
            count.failures = 0;
        }
        count.failures++;
        return count.failures == threshold
                ? Optional.of(new Episode(by, shown, threshold, Duration.ofNanos(windowNanos)))
                : Optional.empty();
    }

    private void dropExpired(Map<?, Count> counts, long now) {
        for (Iterator<Count> it = counts.values().iterator(); it.hasNext(); ) {
            if (now - it.next().windowStart >= windowNanos) {
                it.remove();
            }
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
