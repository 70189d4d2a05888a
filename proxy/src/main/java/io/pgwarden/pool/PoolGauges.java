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

    private final DatabaseConfig database;
    private final Supplier<PoolStats> counts;
    private final DoubleSupplier fairShare;
    private final java.util.function.IntSupplier replicationConnections;

    PoolGauges(DatabaseConfig database, Supplier<PoolStats> counts, DoubleSupplier fairShare) {
        this(database, counts, fairShare, () -> 0);
    }

    PoolGauges(DatabaseConfig database, Supplier<PoolStats> counts, DoubleSupplier fairShare,
               java.util.function.IntSupplier replicationConnections) {
        this.database = database;
        this.counts = counts;
        this.fairShare = fairShare;
        this.replicationConnections = replicationConnections;
    }

    @Override
    public int replicationConnections() {
        return replicationConnections.getAsInt();
    }

    @Override
    public String database() {
        return database.name();
    }

    @Override
    public String backend() {
        return database.backend();
    }

    @Override
    public int poolSize() {
        return database.pool().size();
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
