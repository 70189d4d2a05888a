package io.pgwarden.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.pgwarden.config.PgwardenConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * pgwarden's own meters on an injected registry. Per-database holders are built once, here, for
 * every configured database (so every series exists at 0 from the start and {@code rate()} works
 * on the first increment); the forwarding code keeps its holder and never looks one up again.
 *
 * <p>Logins are counted by service and database, both passed through {@link LabelGuard}.
 * With {@code enabled == false} every call is a no-op (pool gauges are still bound: they cost
 * nothing until a scrape).
 */
public final class PgwardenMetrics {

    private final MeterRegistry registry;
    private final boolean enabled;
    private volatile LabelGuard databases;
    private volatile LabelGuard services;
    private final Map<String, DatabaseMeters> byDatabase = new java.util.concurrent.ConcurrentHashMap<>();
    /** When the config in force was loaded, in Unix seconds. */
    private final java.util.concurrent.atomic.AtomicLong configLoadedAt = new java.util.concurrent.atomic.AtomicLong();
    /** 1 while the last reload succeeded (or none was tried), else 0. */
    private final java.util.concurrent.atomic.AtomicInteger lastReloadSuccessful = new java.util.concurrent.atomic.AtomicInteger(1);
    /** Built on first use: only a caller's mistake asks for a database the config does not have. */
    private volatile DatabaseMeters unknownDatabase;

    public PgwardenMetrics(MeterRegistry registry, PgwardenConfig config) {
        this(registry, config, config.http().metrics());
    }

    /** @param enabled false: every meter is a no-op, to measure what metrics cost */
    public PgwardenMetrics(MeterRegistry registry, PgwardenConfig config, boolean enabled) {
        this.registry = registry;
        this.enabled = enabled;
        configure(config);
        configLoadedAt.set(System.currentTimeMillis() / 1000);
        if (enabled) {
            for (String result : List.of(Labels.SUCCESS, Labels.FAILURE)) {
                counter(PgwardenMeter.CONFIG_RELOADS, Tags.of(Labels.RESULT, result));
            }
            Gauge.builder(PgwardenMeter.CONFIG_LAST_RELOAD_SUCCESS.meterName(), configLoadedAt, java.util.concurrent.atomic.AtomicLong::get)
                    .description(PgwardenMeter.CONFIG_LAST_RELOAD_SUCCESS.description()).strongReference(true).register(registry);
            Gauge.builder(PgwardenMeter.CONFIG_LAST_RELOAD_SUCCESSFUL.meterName(), lastReloadSuccessful,
                            java.util.concurrent.atomic.AtomicInteger::get)
                    .description(PgwardenMeter.CONFIG_LAST_RELOAD_SUCCESSFUL.description()).strongReference(true).register(registry);
            // at 0 from the start: the auth-failure alert takes increase(), which misses a series' first step
            for (AuthFailure reason : AuthFailure.values()) {
                counter(PgwardenMeter.AUTH_FAILURES, Tags.of(Labels.REASON, reason.label()));
            }
            for (LoginRefusal limit : LoginRefusal.values()) {
                counter(PgwardenMeter.LOGINS_REFUSED, Tags.of(Labels.LIMIT, limit.label()));
            }
            for (CancelOutcome outcome : CancelOutcome.values()) {
                counter(PgwardenMeter.CANCEL_REQUESTS, Tags.of(Labels.RESULT, outcome.label()));
            }
            for (ThrottleKey key : ThrottleKey.values()) {
                counter(PgwardenMeter.LOGIN_THROTTLE_EPISODES, Tags.of(Labels.KEY, key.label()));
            }
        }
    }

    /**
     * The names a label may take, and the meters of each database: at start, and after a reload
     * (a database added gets its meters; a removed one keeps them until restart, its totals stay).
     */
    public void configure(PgwardenConfig config) {
        Set<String> databaseNames = new HashSet<>(config.databases().keySet());
        databaseNames.add(PgwardenConfig.ADMIN_DATABASE);
        databaseNames.addAll(byDatabase.keySet());
        this.databases = new LabelGuard(databaseNames);
        Set<String> serviceNames = new HashSet<>(config.services().keySet());
        if (services != null) {
            serviceNames.addAll(services.known());
        }
        this.services = new LabelGuard(serviceNames);
        for (String database : config.databases().keySet()) {
            byDatabase.computeIfAbsent(database, this::newDatabaseMeters);
        }
    }

    /** A reload was tried: counted by result; a success moves the last-success timestamp. */
    public void configReloaded(boolean success) {
        if (success) {
            configLoadedAt.set(System.currentTimeMillis() / 1000);
        }
        lastReloadSuccessful.set(success ? 1 : 0);
        if (enabled) {
            counter(PgwardenMeter.CONFIG_RELOADS, Tags.of(Labels.RESULT, success ? Labels.SUCCESS : Labels.FAILURE)).increment();
        }
    }

    /** A client of {@code database} was asked to leave at the end of its transaction. */
    public void clientEnded(String database, String reason) {
        if (enabled) {
            counter(PgwardenMeter.CLIENTS_ENDED, Tags.of(Labels.DATABASE, databases.label(database), Labels.REASON, reason)).increment();
        }
    }

    /** The gauge of paused databases, read from {@code paused}. */
    public MeterBinding bindPaused(java.util.function.IntSupplier paused) {
        return new MeterBinding(registry, List.of(Gauge.builder(PgwardenMeter.DATABASES_PAUSED.meterName(), paused,
                s -> s.getAsInt()).description(PgwardenMeter.DATABASES_PAUSED.description()).strongReference(true).register(registry)));
    }

    /** The gauge of databases moving now, read from {@code moving}. */
    public MeterBinding bindMoving(java.util.function.IntSupplier moving) {
        return new MeterBinding(registry, List.of(Gauge.builder(PgwardenMeter.DATABASES_MOVING.meterName(), moving,
                s -> s.getAsInt()).description(PgwardenMeter.DATABASES_MOVING.description()).strongReference(true).register(registry)));
    }

    private DatabaseMeters newDatabaseMeters(String database) {
        return enabled ? new MicrometerDatabaseMeters(registry, database) : DatabaseMeters.NONE;
    }

    public MeterRegistry registry() {
        return registry;
    }

    public boolean enabled() {
        return enabled;
    }

    /** The holder of a configured database; keep it (per pool), do not call this per message. */
    public DatabaseMeters forDatabase(String database) {
        DatabaseMeters meters = byDatabase.get(database);
        return meters != null ? meters : unknownDatabase();
    }

    private DatabaseMeters unknownDatabase() {
        DatabaseMeters meters = unknownDatabase;
        if (meters == null) {
            synchronized (this) {
                if (unknownDatabase == null) {
                    unknownDatabase = newDatabaseMeters(Labels.UNKNOWN);
                }
                meters = unknownDatabase;
            }
        }
        return meters;
    }

    /** A client logged in and was granted the database it asked for. */
    public void clientAccepted(String service, String database) {
        clientConnection(service, database, ConnectionResult.OK);
    }

    /** A client proved its identity but asked for a database its service is not granted (it got 42501). */
    public void clientDenied(String service, String database) {
        if (!enabled) {
            return;
        }
        clientConnection(service, database, ConnectionResult.DENIED);
        counter(PgwardenMeter.ACCESS_DENIED,
                Tags.of(Labels.SERVICE, services.label(service), Labels.DATABASE, databases.label(database))).increment();
    }

    /**
     * A client failed to authenticate (it got 28P01).
     *
     * @param service  the user name it sent (counted as {@code unknown} unless configured)
     * @param database the database it asked for
     */
    public void clientAuthFailed(String service, String database, AuthFailure reason) {
        if (!enabled) {
            return;
        }
        clientConnection(service, database, ConnectionResult.AUTH_FAILED);
        counter(PgwardenMeter.AUTH_FAILURES, Tags.of(Labels.REASON, reason.label())).increment();
    }

    /** Failed logins of one service name or from one source address reached limits.auth_failures: throttling starts. */
    public void loginThrottleStarted(ThrottleKey key) {
        if (!enabled) {
            return;
        }
        counter(PgwardenMeter.LOGIN_THROTTLE_EPISODES, Tags.of(Labels.KEY, key.label())).increment();
    }

    /** A new connection was refused before its login: too many logins pending (it got 53300). */
    public void loginRefused(LoginRefusal limit) {
        if (!enabled) {
            return;
        }
        counter(PgwardenMeter.LOGINS_REFUSED, Tags.of(Labels.LIMIT, limit.label())).increment();
    }

    /** A CancelRequest arrived (a client's, or a peer replica's forward). */
    public void cancelRequest(CancelOutcome outcome) {
        if (!enabled) {
            return;
        }
        counter(PgwardenMeter.CANCEL_REQUESTS, Tags.of(Labels.RESULT, outcome.label())).increment();
    }

    private void clientConnection(String service, String database, ConnectionResult result) {
        if (!enabled) {
            return;
        }
        counter(PgwardenMeter.CLIENT_CONNECTIONS, Tags.of(
                Labels.DATABASE, databases.label(database),
                Labels.SERVICE, services.label(service),
                Labels.RESULT, result.label())).increment();
    }

    /** Per login, not per message: Micrometer finds the existing counter by its id. */
    private Counter counter(PgwardenMeter meter, Tags tags) {
        return Counter.builder(meter.meterName()).description(meter.description()).tags(tags).register(registry);
    }

    /**
     * Binds the pool gauges of one database to {@code view} by method reference: clients by
     * state, server connections by state, pool size and saturation. The registry holds the view
     * strongly until the binding is closed.
     */
    public MeterBinding bindPool(PoolView view) {
        Tags database = Tags.of(Labels.DATABASE, view.database());
        Tags server = database.and(Labels.BACKEND, view.backend());
        List<Meter> meters = new ArrayList<>();
        meters.add(gauge(PgwardenMeter.CLIENTS, database.and(Labels.STATE, Labels.ACTIVE), view, PoolView::clientsActive));
        meters.add(gauge(PgwardenMeter.CLIENTS, database.and(Labels.STATE, Labels.WAITING), view, PoolView::clientsWaiting));
        meters.add(gauge(PgwardenMeter.CLIENTS, database.and(Labels.STATE, Labels.IDLE), view, PoolView::clientsIdle));
        meters.add(gauge(PgwardenMeter.SERVER_CONNECTIONS, server.and(Labels.STATE, Labels.ACTIVE), view, PoolView::serversActive));
        meters.add(gauge(PgwardenMeter.SERVER_CONNECTIONS, server.and(Labels.STATE, Labels.IDLE), view, PoolView::serversIdle));
        meters.add(gauge(PgwardenMeter.SERVER_CONNECTIONS, server.and(Labels.STATE, Labels.LOGIN), view, PoolView::serversLogin));
        meters.add(gauge(PgwardenMeter.SERVER_CONNECTIONS, server.and(Labels.STATE, Labels.TESTED), view, PoolView::serversTested));
        meters.add(gauge(PgwardenMeter.POOL_SIZE, database, view, PoolView::poolSize));
        meters.add(gauge(PgwardenMeter.POOL_SATURATION, database, view, PoolView::saturation));
        meters.add(gauge(PgwardenMeter.POOL_FAIR_SHARE, database, view, PoolView::fairShare));
        meters.add(gauge(PgwardenMeter.REPLICATION_CONNECTIONS, database, view, PoolView::replicationConnections));
        meters.add(FunctionCounter.builder(PgwardenMeter.POOL_THROTTLED.meterName(), view, PoolView::throttledCount)
                .description(PgwardenMeter.POOL_THROTTLED.description()).tags(database).register(registry));
        return new MeterBinding(registry, meters);
    }

    /** The pinned clients of one database, by reason: a gauge and a counter per reason, read from {@code view}. */
    public MeterBinding bindPins(String databaseName, PinView view) {
        List<Meter> meters = new ArrayList<>();
        meters.add(Gauge.builder(PgwardenMeter.PINNED_SERVER_CONNECTIONS.meterName(), view, PinView::pinnedClients)
                .description(PgwardenMeter.PINNED_SERVER_CONNECTIONS.description()).tags(Tags.of(Labels.DATABASE, databaseName))
                .strongReference(true).register(registry));
        for (String reason : view.pinReasons()) {
            Tags tags = Tags.of(Labels.DATABASE, databaseName, Labels.REASON, reason);
            meters.add(Gauge.builder(PgwardenMeter.PINNED_CLIENTS.meterName(), view, v -> v.pinnedClients(reason))
                    .description(PgwardenMeter.PINNED_CLIENTS.description()).tags(tags).strongReference(true).register(registry));
            meters.add(FunctionCounter.builder(PgwardenMeter.PINS.meterName(), view, v -> v.pinsTotal(reason))
                    .description(PgwardenMeter.PINS.description()).tags(tags).register(registry));
        }
        return new MeterBinding(registry, meters);
    }

    /** The budget gauges of one instance, read from {@code view}. */
    public MeterBinding bindBudget(BudgetView view) {
        Tags backend = Tags.of(Labels.BACKEND, view.backend());
        List<Meter> meters = new ArrayList<>();
        meters.add(Gauge.builder(PgwardenMeter.BACKEND_BUDGET.meterName(), view, BudgetView::capacity)
                .description(PgwardenMeter.BACKEND_BUDGET.description()).tags(backend).strongReference(true).register(registry));
        meters.add(Gauge.builder(PgwardenMeter.BACKEND_BUDGET_IN_USE.meterName(), view, BudgetView::used)
                .description(PgwardenMeter.BACKEND_BUDGET_IN_USE.description()).tags(backend).strongReference(true)
                .register(registry));
        return new MeterBinding(registry, meters);
    }

    private Gauge gauge(PgwardenMeter meter, Tags tags, PoolView view, ToDoubleFunction<PoolView> value) {
        return Gauge.builder(meter.meterName(), view, value)
                .description(meter.description())
                .tags(tags)
                .strongReference(true)
                .register(registry);
    }
}
