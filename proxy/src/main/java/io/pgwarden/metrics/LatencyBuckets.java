package io.pgwarden.metrics;

import java.time.Duration;
import java.util.Arrays;

/**
 * Histogram bucket boundaries for every pgwarden timer: 100 µs to 30 s, 1-2.5-5 per decade.
 * Explicit boundaries (not Micrometer's percentile histogram, which would add ~70 buckets per
 * series) so the exposition has a small, fixed set of {@code _bucket} series and
 * {@code histogram_quantile(0.99, ...)} per database is meaningful. 100 ms is a boundary because
 * the client-wait alert fires on it.
 */
public final class LatencyBuckets {

    private static final long[] MICROS = {
        100, 250, 500,
        1_000, 2_500, 5_000,
        10_000, 25_000, 50_000,
        100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 5_000_000,
        10_000_000, 30_000_000,
    };

    private LatencyBuckets() {
    }

    /** A fresh array each time: Micrometer's builder keeps the one it is given. */
    public static Duration[] boundaries() {
        return Arrays.stream(MICROS).mapToObj(micros -> Duration.ofNanos(micros * 1_000)).toArray(Duration[]::new);
    }
}
