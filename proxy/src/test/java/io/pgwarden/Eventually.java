package io.pgwarden;

import java.time.Duration;
import java.util.function.Predicate;

/**
 * Waits for observable state (a SHOW POOLS count, a gauge, a row of pg_stat_activity) instead of
 * sleeping: polls it until it holds and fails with the last value seen once the deadline passes.
 * A test that must show something has <em>not</em> happened yet first waits for the state that
 * proves the other side is where it should be (a client counted in {@code cl_waiting}), then asserts.
 */
public final class Eventually {

    /** Generous for a loaded 2-core machine; a passing poll returns as soon as the state holds. */
    public static final Duration DEADLINE = Duration.ofSeconds(15);
    private static final long POLL_MILLIS = 20;

    /** Reads the state; may throw (an SQL query). */
    @FunctionalInterface
    public interface Probe<T> {
        T read() throws Exception;
    }

    private Eventually() {
    }

    /** Polls {@code probe} until {@code condition} holds and returns that value; fails naming {@code what} after the deadline. */
    public static <T> T await(String what, Probe<T> probe, Predicate<? super T> condition) throws Exception {
        return await(what, DEADLINE, probe, condition);
    }

    /** As {@link #await(String, Probe, Predicate)}, with a deadline of its own (for state that takes a known while). */
    public static <T> T await(String what, Duration within, Probe<T> probe, Predicate<? super T> condition) throws Exception {
        Outcome<T> outcome = run(within, probe, condition);
        if (!outcome.held()) {
            throw new AssertionError("waited " + within.toSeconds() + " s for " + what + "; last seen: " + outcome.last());
        }
        return outcome.last();
    }

    /**
     * Polls {@code probe} until {@code condition} holds and returns that value (empty for null), or empty
     * once {@code within} has passed: for a state that may rightly never come (then the caller tries
     * something else).
     */
    public static <T> java.util.Optional<T> poll(Duration within, Probe<T> probe, Predicate<? super T> condition) throws Exception {
        Outcome<T> outcome = run(within, probe, condition);
        return outcome.held() ? java.util.Optional.ofNullable(outcome.last()) : java.util.Optional.empty();
    }

    private record Outcome<T>(boolean held, T last) {
    }

    private static <T> Outcome<T> run(Duration within, Probe<T> probe, Predicate<? super T> condition) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        T last = probe.read();
        while (!condition.test(last)) {
            if (System.nanoTime() - deadline > 0) {
                return new Outcome<>(false, last);
            }
            Thread.sleep(POLL_MILLIS);
            last = probe.read();
        }
        return new Outcome<>(true, last);
    }

    /** Polls {@code condition} until it is true; fails naming {@code what} after the deadline. */
    public static void await(String what, Probe<Boolean> condition) throws Exception {
        await(what, condition, Boolean.TRUE::equals);
    }
}
