package io.pgwarden.bench.load;

import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * What one group achieved during the measured interval: transactions that committed, errors, and
 * the latency of each transaction (acquire + execute + release) in microseconds. Besides, per second
 * since the start (warm-up included): how many transactions ended and the slowest of them.
 */
public record GroupResult(String name, long transactions, long errors, Histogram latencyMicros, double seconds,
                          List<String> firstErrors, long[] endedPerSecond, long[] worstMicrosPerSecond) {

    public double tps() {
        return transactions / seconds;
    }

    /** Latency percentile in milliseconds, e.g. 99.0; NaN without samples. */
    public double latencyMillis(double percentile) {
        return latencyMicros.getTotalCount() == 0 ? Double.NaN
                : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
    }

    public double meanMillis() {
        return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getMean() / 1000.0;
    }
}
