package io.pgwarden.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/** Meters bound to one object (a pool); {@link #close()} removes them, e.g. when the pool goes away on reload. */
public final class MeterBinding implements AutoCloseable {

    private final MeterRegistry registry;
    private final List<Meter> meters;

    MeterBinding(MeterRegistry registry, List<Meter> meters) {
        this.registry = registry;
        this.meters = List.copyOf(meters);
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}
