package io.pgwarden.metrics;

import io.pgwarden.backend.AdminConnector;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.pgwarden.config.BackendConfig;
import io.pgwarden.config.DatabaseConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples one backend and publishes what it read. Runs only on the sampler thread; the gauges and
 * counters it feeds are read by scrapes from other threads, hence the atomics and volatiles.
 *
 * <p>It keeps one admin connection open between samples (at the connection limit a new one might
 * not get in) and opens a new one after any failure. A failure is logged once, and the recovery
 * once, however many samples fail in between.
 */
final class BackendSampler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BackendSampler.class);
    /** A backend down for less than this many sample intervals still counts as ready (one lost sample is no outage). */
    static final int RETRY_WINDOW_SAMPLES = 3;

    private final BackendConfig backend;
    private final AdminConnector connector;
    private final MeterRegistry registry;
    private final LongSupplier nanoClock;
    /** dbname on this backend → the pgwarden database routed to it (the first in file order). */
    private final Map<String, String> databaseOfDbname = new HashMap<>();
    private final AtomicInteger up = new AtomicInteger();
    private final AtomicInteger connectionLimit = new AtomicInteger();
    private final MultiGauge connections;
    /** Strong references: FunctionCounter holds its state object weakly. */
    private final Map<String, DatabaseCounters> counters = new HashMap<>();
    private final long startedNanos;

    private Connection connection;
    private volatile long downSinceNanos;
    private volatile boolean down;
    private int failuresInARow;

    /** The latest pg_stat_database values of one database label (summed for {@code other}). */
    private static final class DatabaseCounters {
        volatile long xactCommit;
        volatile long xactRollback;
        volatile long blksRead;
        volatile long blksHit;
        volatile long deadlocks;
        volatile long tempBytes;
    }

    BackendSampler(BackendConfig backend, List<DatabaseConfig> databasesOnBackend, AdminConnector connector,
                   MeterRegistry registry, LongSupplier nanoClock) {
        this.backend = backend;
        this.connector = connector;
        this.registry = registry;
        this.nanoClock = nanoClock;
        this.startedNanos = nanoClock.getAsLong();
        databasesOnBackend.forEach(database -> databaseOfDbname.putIfAbsent(database.dbname(), database.name()));
        Tags tags = Tags.of(Labels.BACKEND, backend.name());
        gauge(PgwardenMeter.BACKEND_UP, tags, up);
        gauge(PgwardenMeter.BACKEND_MAX_CONNECTIONS, tags, connectionLimit);
        connections = MultiGauge.builder(PgwardenMeter.BACKEND_CONNECTIONS.meterName())
                .description(PgwardenMeter.BACKEND_CONNECTIONS.description())
                .tags(tags)
                .register(registry);
    }

    private void gauge(PgwardenMeter meter, Tags tags, AtomicInteger value) {
        Gauge.builder(meter.meterName(), value, AtomicInteger::get)
                .description(meter.description()).tags(tags).strongReference(true).register(registry);
    }

    String name() {
        return backend.name();
    }

    long intervalNanos() {
        return backend.sampleInterval().toNanos();
    }

    boolean isUp() {
        return up.get() == 1;
    }

    /**
     * Up, or within its retry window: not sampled successfully yet but started less than
     * {@link #RETRY_WINDOW_SAMPLES} intervals ago, or down for less than that.
     */
    boolean isReady() {
        if (isUp()) {
            return true;
        }
        long window = RETRY_WINDOW_SAMPLES * intervalNanos();
        long since = down ? downSinceNanos : startedNanos;
        return nanoClock.getAsLong() - since < window;
    }

    void sampleOnce() {
        try {
            if (connection == null) {
                connection = connector.connect(backend);
            }
            publish(InstanceQueries.sample(connection));
            recovered();
        } catch (SQLException | RuntimeException e) {
            closeConnection();
            failed(e);
        }
    }

    private void publish(InstanceSample sample) {
        Map<List<String>, Integer> byDatabaseAndState = new LinkedHashMap<>();
        for (InstanceSample.Activity activity : sample.activity()) {
            List<String> key = List.of(databaseLabel(activity.datname()), InstanceQueries.stateLabel(activity.state()));
            byDatabaseAndState.merge(key, activity.count(), Integer::sum);
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        byDatabaseAndState.forEach((key, count) ->
                rows.add(MultiGauge.Row.of(Tags.of(Labels.DATABASE, key.get(0), Labels.STATE, key.get(1)), count)));
        connections.register(rows, true);
        connectionLimit.set(sample.connectionLimit());

        Map<String, long[]> sums = new LinkedHashMap<>();
        for (InstanceSample.DatabaseStats stats : sample.databases()) {
            long[] sum = sums.computeIfAbsent(databaseLabel(stats.datname()), label -> new long[6]);
            sum[0] += stats.xactCommit();
            sum[1] += stats.xactRollback();
            sum[2] += stats.blksRead();
            sum[3] += stats.blksHit();
            sum[4] += stats.deadlocks();
            sum[5] += stats.tempBytes();
        }
        sums.forEach((label, sum) -> {
            DatabaseCounters target = counters.computeIfAbsent(label, this::registerCounters);
            target.xactCommit = sum[0];
            target.xactRollback = sum[1];
            target.blksRead = sum[2];
            target.blksHit = sum[3];
            target.deadlocks = sum[4];
            target.tempBytes = sum[5];
        });
    }

    private String databaseLabel(String datname) {
        String database = datname == null ? null : databaseOfDbname.get(datname);
        return database != null ? database : Labels.OTHER;
    }

    private DatabaseCounters registerCounters(String database) {
        DatabaseCounters values = new DatabaseCounters();
        Tags tags = Tags.of(Labels.BACKEND, backend.name(), Labels.DATABASE, database);
        counter(PgwardenMeter.BACKEND_XACT_COMMIT, tags, values, v -> v.xactCommit);
        counter(PgwardenMeter.BACKEND_XACT_ROLLBACK, tags, values, v -> v.xactRollback);
        counter(PgwardenMeter.BACKEND_BLKS_READ, tags, values, v -> v.blksRead);
        counter(PgwardenMeter.BACKEND_BLKS_HIT, tags, values, v -> v.blksHit);
        counter(PgwardenMeter.BACKEND_DEADLOCKS, tags, values, v -> v.deadlocks);
        counter(PgwardenMeter.BACKEND_TEMP_BYTES, tags, values, v -> v.tempBytes);
        return values;
    }

    private void counter(PgwardenMeter meter, Tags tags, DatabaseCounters values, ToDoubleFunction<DatabaseCounters> read) {
        FunctionCounter.builder(meter.meterName(), values, read)
                .description(meter.description()).tags(tags).register(registry);
    }

    private void recovered() {
        if (down) {
            log.info("backend \"{}\" ({}:{}) can be sampled again, after {} failed samples",
                    backend.name(), backend.host(), backend.port(), failuresInARow);
        }
        down = false;
        failuresInARow = 0;
        up.set(1);
    }

    private void failed(Exception e) {
        up.set(0);
        connections.register(List.of(), true); // unknown while down: no stale counts
        failuresInARow++;
        if (!down) {
            down = true;
            downSinceNanos = nanoClock.getAsLong();
            log.warn("cannot sample backend \"{}\" ({}:{}) as {}: {}; pgwarden_backend_up is 0 until it recovers "
                            + "(logged once)", backend.name(), backend.host(), backend.port(), backend.adminUser(),
                    e.getMessage());
        } else {
            log.debug("backend \"{}\" still cannot be sampled: {}", backend.name(), e.getMessage());
        }
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // it is broken already
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        closeConnection();
    }
}
