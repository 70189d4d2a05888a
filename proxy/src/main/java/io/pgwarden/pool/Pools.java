package io.pgwarden.pool;

import io.netty.channel.EventLoopGroup;
import io.pgwarden.admin.AdminControl;
import io.pgwarden.admin.AdminView;
import io.pgwarden.admin.ConnectionInfo;
import io.pgwarden.backend.BackendConnector;
import io.pgwarden.backend.ServerConnection;
import io.pgwarden.config.BackendConfig;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.metrics.MeterBinding;
import io.pgwarden.metrics.PgwardenMetrics;
import io.pgwarden.metrics.PoolView;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * One {@link DatabasePool} per configured database, and what the admin console reads and does
 * across them. A reload adds backends and databases, updates them and retires removed ones; the
 * map of pools is replaced whole (copy on write), so a login's lookup takes no lock.
 */
public final class Pools implements AutoCloseable, AdminView, AdminControl {

    private volatile Map<String, DatabasePool> byDatabase = Map.of();
    /** Each pool's gauges, by database. Changed by a reload only (one at a time), read at close. */
    private final Map<String, List<MeterBinding>> poolGauges = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<MeterBinding> gauges = new ArrayList<>();
    private final Map<String, InstanceBudget> budgets = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, BackendConnector> connectors = new java.util.concurrent.ConcurrentHashMap<>();
    private final EventLoopGroup loops;
    private final Function<BackendConfig, BackendConnector> connectorFor;
    private final PgwardenMetrics metrics;
    /** Per backend, the budget of the whole instance (a fleet's replicas share it: {@link FleetBudgetSync}). */
    private final Map<String, Integer> instanceCapacities = new java.util.concurrent.ConcurrentHashMap<>();
    /** Whether replicas split each instance's budget (fleet: is read at start; changing it needs a restart). */
    private final io.pgwarden.config.FleetConfig fleet;
    private final Runnable shutdown;

    /**
     * @param connectorFor the connector of each backend, made once per backend
     * @param shutdown     what SHUTDOWN from the admin console does
     */
    public Pools(PgwardenConfig config, EventLoopGroup loops, Function<BackendConfig, BackendConnector> connectorFor,
                 PgwardenMetrics metrics, Runnable shutdown) {
        this.loops = loops;
        this.fleet = config.fleet();
        this.connectorFor = connectorFor;
        this.metrics = metrics;
        this.shutdown = shutdown;
        config.backends().values().forEach(backend -> addBackend(backend, capacityOf(backend, config)));
        config.databases().values().forEach(this::add);
        gauges.add(metrics.bindPaused(() -> (int) byDatabase.values().stream().filter(DatabasePool::isPaused).count()));
        gauges.add(metrics.bindMoving(() -> (int) byDatabase.values().stream().filter(DatabasePool::moving).count()));
    }

    // ---- a reload (one at a time) ---------------------------------------------------------------------

    /**
     * What {@code backend} allows pgwarden: its max_connections, or read from the instance (blocking).
     *
     * @throws IllegalStateException when its databases' min_connections together do not fit
     */
    public static int capacityOf(BackendConfig backend, PgwardenConfig config) {
        return InstanceCapacity.of(backend, config.databasesOn(backend.name()));
    }

    /** A backend to serve databases on: its connector and its budget, out of {@code instance} connections on its instance. */
    public void addBackend(BackendConfig backend, int instance) {
        instanceCapacities.put(backend.name(), instance);
        // in a fleet, until its first sample: the static split, which every replica keeps to
        InstanceBudget budget = new InstanceBudget(backend.name(), share(instance));
        connectors.put(backend.name(), connectorFor.apply(backend));
        budgets.put(backend.name(), budget);
        gauges.add(metrics.bindBudget(budget));
    }

    /**
     * A backend's max_connections or headroom changed: its budget is divided again at once (in a
     * fleet, this replica's static part; the next split corrects it).
     */
    public void resizeBudget(String backend, int instance) {
        instanceCapacities.put(backend, instance);
        budgets.get(backend).setCapacity(share(instance)).forEach(Runnable::run);
    }

    /** This replica's part of an instance of {@code instance} connections, before the fleet's first split. */
    private int share(int instance) {
        return fleet.sharesBudget() ? Math.max(1, instance / fleet.expectedReplicas()) : instance;
    }

    /** The budget of {@code backend}'s instance that this pgwarden holds its connections in. */
    public InstanceBudget budget(String backend) {
        return budgets.get(backend);
    }

    /** The budget of the whole instance, before a fleet splits it. */
    public int instanceCapacity(String backend) {
        return instanceCapacities.get(backend);
    }

    /** A database added: its pool opens, on a backend already known. */
    public void add(DatabaseConfig database) {
        DatabasePool pool = new DatabasePool(database, connectors.get(database.backend()), loops,
                metrics.forDatabase(database.name()), budgets.get(database.backend()));
        Map<String, DatabasePool> next = new LinkedHashMap<>(byDatabase);
        next.put(database.name(), pool);
        byDatabase = java.util.Collections.unmodifiableMap(next);
        poolGauges.put(database.name(), bind(pool, database));
    }

    private List<MeterBinding> bind(DatabasePool pool, DatabaseConfig database) {
        List<MeterBinding> bindings = new ArrayList<>(2);
        bindings.add(metrics.bindPool(pool.view()));
        if (database.pool().mode() == io.pgwarden.config.PoolMode.TRANSACTION) {
            bindings.add(metrics.bindPins(database.name(), pool.pinned()));
        }
        return bindings;
    }

    /**
     * Whether {@code backend}'s instance, as budgeted now, still holds the min_connections of the
     * databases {@code next} puts on it (a move adds one).
     *
     * @throws IllegalStateException when it does not: the reload then changes nothing
     */
    public void checkMinimumsFit(String backend, PgwardenConfig next) {
        Integer capacity = instanceCapacities.get(backend);
        int minimums = next.databasesOn(backend).stream().mapToInt(d -> d.pool().minConnections()).sum();
        if (capacity != null && minimums > capacity) {
            throw new IllegalStateException("backend \"" + backend + "\" allows pgwarden " + capacity
                    + " connections, less than the min_connections of its databases together (" + minimums + ")");
        }
    }

    /**
     * A reload moved {@code target.name()} to another backend or dbname (both known already): its pool
     * moves there on its own ({@link DatabasePool#move}); the future completes when it has. Then, off
     * the event loops, its gauges are bound again under the new backend's label (a second reload
     * during the move gets the same future, and binds them again: no harm).
     */
    public CompletableFuture<DatabasePool.MoveOutcome> move(DatabaseConfig target) {
        DatabasePool pool = pool(target.name());
        return pool.move(target, connectors.get(target.backend()), budgets.get(target.backend()))
                .whenCompleteAsync((outcome, failure) -> {
                    if (outcome == null || outcome.result() == io.pgwarden.metrics.MoveResult.ABANDONED) {
                        return;
                    }
                    poolGauges.computeIfPresent(target.name(), (name, bindings) -> {
                        if (byDatabase.get(name) != pool) {
                            return bindings; // removed (and perhaps added again) meanwhile: not this pool's gauges
                        }
                        bindings.forEach(MeterBinding::close);
                        return bind(pool, pool.databaseConfig());
                    });
                });
    }

    /**
     * A database removed: its pool serves the clients it has (who are asked to leave at their
     * transaction's end), then closes and disappears from SHOW POOLS.
     */
    public void retire(String database) {
        DatabasePool pool = pool(database);
        pool.retire(() -> {
            Map<String, DatabasePool> next = new LinkedHashMap<>(byDatabase);
            next.remove(database, pool);
            byDatabase = java.util.Collections.unmodifiableMap(next);
            List<MeterBinding> bindings = poolGauges.remove(database);
            if (bindings != null) {
                bindings.forEach(MeterBinding::close);
            }
        });
    }

    /** What every client that logs in from now on is told at once (a drain), or null. */
    public record Farewell(String sqlState, String message) {
    }

    private volatile Farewell farewell;

    /** Every client that gets through its login from now on is ended at once (the drain has begun). */
    public void endNewClients(String sqlState, String message) {
        farewell = new Farewell(sqlState, message);
    }

    /** What a client that logs in now is told, or null while pgwarden serves. */
    public Farewell farewell() {
        return farewell;
    }

    /** The pool of {@code database}, or null when there is none (never was, or retired). */
    public DatabasePool find(String database) {
        return byDatabase.get(database);
    }

    public DatabasePool pool(String database) {
        DatabasePool pool = byDatabase.get(database);
        if (pool == null) {
            throw new IllegalArgumentException("no pool for database " + database);
        }
        return pool;
    }

    public Collection<DatabasePool> all() {
        return byDatabase.values();
    }

    // ---- AdminView --------------------------------------------------------------------------------

    @Override
    public List<PoolView> pools() {
        return byDatabase.values().stream().map(DatabasePool::view).toList();
    }

    @Override
    public List<ConnectionInfo> clients() {
        List<ConnectionInfo> clients = new ArrayList<>();
        byDatabase.values().forEach(pool -> {
            pool.clients().forEach(client -> clients.add(client.describe()));
            pool.replicationClients().forEach(client -> clients.add(client.describe()));
        });
        return clients;
    }

    @Override
    public List<ConnectionInfo> servers() {
        List<ConnectionInfo> servers = new ArrayList<>();
        for (DatabasePool pool : byDatabase.values()) {
            for (ServerLease lease : pool.servers()) {
                servers.add(describe(pool, lease));
            }
            for (PoolClient replication : pool.replicationClients()) {
                ConnectionInfo own = replication.describeOwnServer();
                if (own != null) {
                    servers.add(own);
                }
            }
        }
        return servers;
    }

    private static ConnectionInfo describe(DatabasePool pool, ServerLease lease) {
        ServerConnection server = lease.server();
        String state = switch (lease.state()) {
            case IDLE -> "idle";
            case LEASED -> "active";
            case RESETTING -> "tested";
            case CLOSED -> "closed";
        };
        return new ConnectionInfo(server.backendKey().processId(), pool.databaseConfig().user(), pool.database(), state,
                (InetSocketAddress) server.channel().remoteAddress(), (InetSocketAddress) server.channel().localAddress(),
                server.connectedAt(), null, 0, false, 0, server.backendKey().processId(), "",
                server.parameters().getOrDefault("application_name", ""), server.preparedStatementCount(),
                io.pgwarden.pool.PinReason.labels(lease.pinReasons()));
    }

    @Override
    public boolean isPaused(String database) {
        return pool(database).isPaused();
    }

    @Override
    public boolean isDisabled(String database) {
        return pool(database).disabled();
    }

    // ---- AdminControl -----------------------------------------------------------------------------

    @Override
    public CompletionStage<Void> pause(String database) {
        return pool(database).pause();
    }

    @Override
    public void resume(String database) {
        pool(database).resume();
    }

    @Override
    public void reconnect(String database) {
        pool(database).reconnect();
    }

    @Override
    public void kill(String database) {
        pool(database).kill();
    }

    @Override
    public void shutdown() {
        CompletableFuture.runAsync(shutdown); // not on the admin session's event loop, which shutdown stops
    }

    @Override
    public void close() {
        gauges.forEach(MeterBinding::close);
        poolGauges.values().forEach(bindings -> bindings.forEach(MeterBinding::close));
        byDatabase.values().forEach(DatabasePool::close);
    }
}
