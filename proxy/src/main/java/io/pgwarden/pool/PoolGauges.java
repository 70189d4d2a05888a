package io.pgwarden.pool;

import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.metrics.PoolView;

import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * What the admin console (SHOW POOLS, SHOW DATABASES) and the gauges read of one pool: its
 * settings, and its counts read in one go under the pool's lock. Never on the forwarding path.
 */
final class PoolGauges implements PoolView {

    /** The database's config in force (a reload may change it). */
    private final Supplier<DatabaseConfig> config;
    private final Supplier<PoolStats> counts;
    private final DoubleSupplier fairShare;

    PoolGauges(Supplier<DatabaseConfig> config, Supplier<PoolStats> counts, DoubleSupplier fairShare) {
        this.config = config;
        this.counts = counts;
        this.fairShare = fairShare;
    }

    @Override
    public String database() {
        return config.get().name();
    }

    @Override
    public String backend() {
        return config.get().backend();
    }

    @Override
    public int poolSize() {
        return config.get().pool().size();
    }

    @Override
    public int clientsActive() {
        return counts.get().active();
    }

    @Override
    public int clientsWaiting() {
        return counts.get().waiting();
    }

    @Override
    public int clientsIdle() {
        PoolStats now = counts.get();
        return Math.max(0, now.clients() - now.active() - now.waiting());
    }

    @Override
    public int serversActive() {
        return counts.get().active();
    }

    @Override
    public int serversIdle() {
        return counts.get().idle();
    }

    @Override
    public int serversLogin() {
        return counts.get().opening();
    }

    @Override
    public int serversTested() {
        return counts.get().resetting();
    }

    @Override
    public long maxWaitNanos() {
        return counts.get().maxWaitNanos();
    }

    @Override
    public double fairShare() {
        return fairShare.getAsDouble();
    }

    @Override
    public long throttledCount() {
        return counts.get().throttled();
    }
}
