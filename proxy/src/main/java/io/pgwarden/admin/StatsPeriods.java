package io.pgwarden.admin;

import io.pgwarden.metrics.DatabaseTotals;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The last completed stats period, for SHOW STATS averages. Rotated lazily when asked, not by a
 * timer: the console owns no thread. The first period completes a minute after the first SHOW
 * STATS; averages are 0 until then.
 */
final class StatsPeriods {

    static final Duration PERIOD = Duration.ofSeconds(60);

    /** The totals of every database at one moment. */
    record Snapshot(long nanos, Map<String, DatabaseTotals> totals) {
    }

    /** From {@code start} to {@code end}, at least {@link #PERIOD} apart. */
    record Period(Snapshot start, Snapshot end) {
        double seconds() {
            return (end.nanos() - start.nanos()) / 1e9;
        }

        DatabaseTotals delta(String database) {
            return end.totals().getOrDefault(database, DatabaseTotals.ZERO)
                    .minus(start.totals().getOrDefault(database, DatabaseTotals.ZERO));
        }
    }

    private final LongSupplier nanoClock;
    private Snapshot older;
    private Snapshot newer;

    StatsPeriods(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** Records {@code now} if a period has passed since the last record, and returns the last complete period. */
    synchronized Optional<Period> update(Map<String, DatabaseTotals> now) {
        long nanos = nanoClock.getAsLong();
        if (newer == null) {
            newer = new Snapshot(nanos, Map.copyOf(now));
        } else if (nanos - newer.nanos() >= PERIOD.toNanos()) {
            older = newer;
            newer = new Snapshot(nanos, Map.copyOf(now));
        }
        return older == null ? Optional.empty() : Optional.of(new Period(older, newer));
    }
}
