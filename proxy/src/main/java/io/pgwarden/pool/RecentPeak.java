package io.pgwarden.pool;

/**
 * The most server connections a pool had in use at once over the last few seconds. This, not what
 * it holds, is the demand it shows the instance budget: in transaction mode a busy database's
 * connections are idle between every two transactions (taking them away would only make it reopen
 * them), while connections nobody used for the whole window are surplus another database may need.
 *
 * <p>A ring of per-tick maxima; {@link #record} is called under the pool's lock whenever the number in
 * use may have grown, {@link #advance} once a tick (the pool's maintenance, every second). Not
 * thread-safe: the pool's lock guards it.
 */
final class RecentPeak {

    private final int[] ticks;
    private int current;
    private int peak;

    /** A window of {@code ticks} ticks: a connection unused for that long no longer counts. */
    RecentPeak(int ticks) {
        if (ticks < 1) {
            throw new IllegalArgumentException("the window needs at least one tick, was " + ticks);
        }
        this.ticks = new int[ticks];
    }

    /** {@code inUse} connections are in use now. */
    void record(int inUse) {
        if (inUse > ticks[current]) {
            ticks[current] = inUse;
            peak = Math.max(peak, inUse);
        }
    }

    /** A new tick begins with {@code inUse} connections in use; the oldest tick leaves the window. */
    void advance(int inUse) {
        current = (current + 1) % ticks.length;
        ticks[current] = inUse;
        int max = 0;
        for (int value : ticks) {
            max = Math.max(max, value);
        }
        peak = max;
    }

    /** The most in use at once within the window. */
    int peak() {
        return peak;
    }
}
