package io.pgwarden.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/** {@link DatabaseMeters} on a Micrometer registry: every meter built in the constructor but the error classes. */
final class MicrometerDatabaseMeters implements DatabaseMeters {

    private final MeterRegistry registry;
    private final Tags tags;
    private final Timer clientWait;
    private final Counter clientWaitTimeouts;
    private final Counter transactions;
    private final Counter queries;
    private final Timer transactionDuration;
    private final Timer queryDuration;
    private final Counter bytesClientToServer;
    private final Counter bytesServerToClient;
    private final Timer moveDuration;
    private final Counter endedByMove;
    /** By result, all built at start: a move's first count shows in rate() and increase(). */
    private final java.util.EnumMap<MoveResult, Counter> moves = new java.util.EnumMap<>(MoveResult.class);
    /** By SQLSTATE class; errors are rare, so one map lookup per error is fine. */
    private final ConcurrentMap<String, Counter> serverErrors = new ConcurrentHashMap<>();

    MicrometerDatabaseMeters(MeterRegistry registry, String database) {
        this.registry = registry;
        this.tags = Tags.of(Labels.DATABASE, database);
        clientWait = timer(PgwardenMeter.CLIENT_WAIT);
        clientWaitTimeouts = counter(PgwardenMeter.CLIENT_WAIT_TIMEOUTS, tags);
        transactions = counter(PgwardenMeter.TRANSACTIONS, tags);
        queries = counter(PgwardenMeter.QUERIES, tags);
        transactionDuration = timer(PgwardenMeter.TRANSACTION_DURATION);
        queryDuration = timer(PgwardenMeter.QUERY_DURATION);
        bytesClientToServer = counter(PgwardenMeter.BYTES, tags.and(Labels.DIRECTION, Labels.CLIENT_TO_SERVER));
        bytesServerToClient = counter(PgwardenMeter.BYTES, tags.and(Labels.DIRECTION, Labels.SERVER_TO_CLIENT));
        moveDuration = timer(PgwardenMeter.DATABASE_MOVE_DURATION);
        endedByMove = counter(PgwardenMeter.CLIENTS_ENDED, tags.and(Labels.REASON, "moved"));
        for (MoveResult result : MoveResult.values()) {
            moves.put(result, counter(PgwardenMeter.DATABASE_MOVES, tags.and(Labels.RESULT, result.label())));
        }
    }

    private Timer timer(PgwardenMeter meter) {
        return Timer.builder(meter.meterName())
                .description(meter.description())
                .tags(tags)
                .serviceLevelObjectives(LatencyBuckets.boundaries())
                .register(registry);
    }

    private Counter counter(PgwardenMeter meter, Tags counterTags) {
        return Counter.builder(meter.meterName()).description(meter.description()).tags(counterTags).register(registry);
    }

    @Override
    public void clientWaitEnded(long nanos, boolean timedOut) {
        clientWait.record(nanos, TimeUnit.NANOSECONDS);
        if (timedOut) {
            clientWaitTimeouts.increment();
        }
    }

    @Override
    public void transactionCompleted(long nanos) {
        transactions.increment();
        transactionDuration.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void queryCompleted(long nanos) {
        queries.increment();
        queryDuration.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void bytesClientToServer(long bytes) {
        bytesClientToServer.increment(bytes);
    }

    @Override
    public void bytesServerToClient(long bytes) {
        bytesServerToClient.increment(bytes);
    }

    @Override
    public void serverError(String sqlState) {
        serverErrors.computeIfAbsent(sqlStateClass(sqlState),
                errorClass -> counter(PgwardenMeter.SERVER_ERRORS, tags.and(Labels.SQLSTATE_CLASS, errorClass))).increment();
    }

    /** The first two characters when they look like a class (digits and capitals), else {@code unknown}. */
    static String sqlStateClass(String sqlState) {
        if (sqlState == null || sqlState.length() < 2) {
            return Labels.UNKNOWN;
        }
        for (int i = 0; i < 2; i++) {
            char c = sqlState.charAt(i);
            if (!(c >= '0' && c <= '9') && !(c >= 'A' && c <= 'Z')) {
                return Labels.UNKNOWN;
            }
        }
        return sqlState.substring(0, 2);
    }

    @Override
    public void moveEnded(long nanos, MoveResult result, int clientsEnded) {
        moves.get(result).increment();
        endedByMove.increment(clientsEnded);
        if (result != MoveResult.ABANDONED) {
            moveDuration.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public DatabaseTotals totals() {
        long waits = clientWait.count();
        return new DatabaseTotals(
                waits - (long) clientWaitTimeouts.count(),
                (long) transactions.count(),
                (long) queries.count(),
                (long) bytesClientToServer.count(),
                (long) bytesServerToClient.count(),
                (long) transactionDuration.totalTime(TimeUnit.MICROSECONDS),
                (long) queryDuration.totalTime(TimeUnit.MICROSECONDS),
                (long) clientWait.totalTime(TimeUnit.MICROSECONDS));
    }
}
