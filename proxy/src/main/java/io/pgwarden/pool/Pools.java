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
 * across them.
 */
public final class Pools implements AutoCloseable, AdminView, AdminControl {

    private final Map<String, DatabasePool> byDatabase = new LinkedHashMap<>();
    private final List<MeterBinding> gauges = new ArrayList<>();
    private final Map<String, InstanceBudget> budgets = new LinkedHashMap<>();
    /** Per backend, the budget of the whole instance (a fleet's replicas share it: {@link FleetBudgetSync}). */
    private final Map<String, Integer> instanceCapacities = new LinkedHashMap<>();
    private final Runnable shutdown;

    /**
     * @param connectorFor the connector of each backend, made once per backend
     * @param shutdown     what SHUTDOWN from the admin console does
     */
    public Pools(PgwardenConfig config, EventLoopGroup loops, Function<BackendConfig, BackendConnector> connectorFor,
                 PgwardenMetrics metrics, Runnable shutdown) {
        this.shutdown = shutdown;
        Map<String, BackendConnector> connectors = new LinkedHashMap<>();
        config.backends().forEach((name, backend) -> {
            connectors.put(name, connectorFor.apply(backend));
            int instance = InstanceCapacity.of(backend, config.databasesOn(name));
            instanceCapacities.put(name, instance);
            // in a fleet, until its first sample: the static split, which every replica keeps to
            budgets.put(name, new InstanceBudget(name, config.fleet().sharesBudget()
                    ? Math.max(1, instance / config.fleet().expectedReplicas()) : instance));
        });
        for (DatabaseConfig database : config.databases().values()) {
            DatabasePool pool = new DatabasePool(database, connectors.get(database.backend()), loops,
                    metrics.forDatabase(database.name()), budgets.get(database.backend()));
            byDatabase.put(database.name(), pool);
            gauges.add(metrics.bindPool(pool.view()));
            if (database.pool().mode() == io.pgwarden.config.PoolMode.TRANSACTION) {
                gauges.add(metrics.bindPins(database.name(), pool.pinned()));
            }
        }
        budgets.values().forEach(budget -> gauges.add(metrics.bindBudget(budget)));
    }

    public DatabasePool pool(String database) {
        DatabasePool pool = byDatabase.get(database);
        if (pool == null) {
            throw new IllegalArgumentException("no pool for database " + database);
        }
        return pool;
    }

    /** The budget of {@code backend}'s instance that this pgwarden holds its connections in. */
    public InstanceBudget budget(String backend) {
        return budgets.get(backend);
    }

    /** The budget of the whole instance, before a fleet splits it. */
    public int instanceCapacity(String backend) {
        return instanceCapacities.get(backend);
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
        byDatabase.values().forEach(pool -> pool.clients().forEach(client -> clients.add(client.describe())));
        return clients;
    }

    @Override
    public List<ConnectionInfo> servers() {
        List<ConnectionInfo> servers = new ArrayList<>();
        for (DatabasePool pool : byDatabase.values()) {
            for (ServerLease lease : pool.servers()) {
                servers.add(describe(pool, lease));
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
        byDatabase.values().forEach(DatabasePool::close);
    }
}
