package io.pgwarden.pool;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The pinned clients of one database: how many (bounded by max_pinned) and why, for the bound,
 * the gauges and the counters. Changed only when a client's pin reasons change, never per message;
 * lock-free, from any event loop.
 */
public final class PinnedClients implements io.pgwarden.metrics.PinView {

    private static final java.util.List<String> LABELS =
            java.util.Arrays.stream(PinReason.values()).map(PinReason::label).toList();

    private final int max;
    private final AtomicInteger clients = new AtomicInteger();
    private final AtomicIntegerArray byReason = new AtomicIntegerArray(PinReason.values().length);
    private final AtomicLongArray pinsTotal = new AtomicLongArray(PinReason.values().length);

    /** @param max clients that may be pinned at once (max_pinned) */
    public PinnedClients(int max) {
        this.max = max;
    }

    public int max() {
        return max;
    }

    /** A client is about to be pinned: true when it may (the count went up), false at max_pinned. */
    boolean tryPin() {
        for (;;) {
            int now = clients.get();
            if (now >= max) {
                return false;
            }
            if (clients.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /** A client is pinned whatever the bound says (its server already holds the state: a notification arrived). */
    void forcePin() {
        clients.incrementAndGet();
    }

    /** A pinned client is not any more. */
    void unpinned() {
        clients.decrementAndGet();
    }

    /** A pinned client got these reasons ({@link PinReason#bit()}s), which it did not have. */
    void reasonsAdded(int bits) {
        for (PinReason reason : PinReason.of(bits)) {
            byReason.incrementAndGet(reason.ordinal());
            pinsTotal.incrementAndGet(reason.ordinal());
        }
    }

    /** A pinned client lost these reasons. */
    void reasonsRemoved(int bits) {
        for (PinReason reason : PinReason.of(bits)) {
            byReason.decrementAndGet(reason.ordinal());
        }
    }

    /** Clients pinned now. */
    @Override
    public int pinnedClients() {
        return clients.get();
    }

    /** Clients pinned now. */
    public int clients() {
        return clients.get();
    }

    /** Clients pinned now for {@code reason} (a client pinned for two reasons counts in both). */
    public int clients(PinReason reason) {
        return byReason.get(reason.ordinal());
    }

    /** Times a client was pinned for {@code reason} (a counter). */
    public long pinsTotal(PinReason reason) {
        return pinsTotal.get(reason.ordinal());
    }

    @Override
    public java.util.List<String> pinReasons() {
        return LABELS;
    }

    @Override
    public int pinnedClients(String reason) {
        return byReason.get(LABELS.indexOf(reason));
    }

    @Override
    public long pinsTotal(String reason) {
        return pinsTotal.get(LABELS.indexOf(reason));
    }
}
