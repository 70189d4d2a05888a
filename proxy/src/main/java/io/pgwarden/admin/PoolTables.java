package io.pgwarden.admin;

import io.pgwarden.config.BackendConfig;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.metrics.PoolView;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SHOW POOLS, SHOW DATABASES and SHOW LISTS with PgBouncer's columns in PgBouncer's order (1.25),
 * so runbooks and prometheus-community/pgbouncer_exporter work unchanged. Columns for concepts
 * pgwarden does not have (cancel queues, reserve pools, load-balanced hosts, DNS) are 0 or NULL.
 */
final class PoolTables {

    private static final long NANOS_PER_MICRO = 1_000;
    private static final long MICROS_PER_SECOND = 1_000_000;

    private PoolTables() {
    }

    /**
     * One row per pool. PgBouncer's cl_active counts clients linked to a server and clients idle
     * between transactions alike; pgwarden's active and idle clients both go there.
     */
    static ResultTable pools(PgwardenConfig config, List<? extends PoolView> pools) {
        ResultTable.Builder table = ResultTable.builder("SHOW")
                .text("database", "user")
                .int8("cl_active", "cl_waiting", "cl_active_cancel_req", "cl_waiting_cancel_req",
                        "sv_active", "sv_active_cancel", "sv_being_canceled", "sv_idle", "sv_used", "sv_tested",
                        "sv_login", "maxwait", "maxwait_us")
                .text("pool_mode", "load_balance_hosts")
                // pgwarden's own, after PgBouncer's: the instance budget
                .text("fair_share").int8("throttled");
        for (PoolView pool : pools) {
            DatabaseConfig database = config.databases().get(pool.database());
            long waitMicros = pool.maxWaitNanos() / NANOS_PER_MICRO;
            table.row(pool.database(), database == null ? "" : database.user(),
                    pool.clientsActive() + pool.clientsIdle(), pool.clientsWaiting(), 0, 0,
                    pool.serversActive(), 0, 0, pool.serversIdle(), 0, pool.serversTested(),
                    pool.serversLogin(), waitMicros / MICROS_PER_SECOND, waitMicros % MICROS_PER_SECOND,
                    database == null ? null : database.pool().mode().yamlName(), null,
                    String.format(java.util.Locale.ROOT, "%.1f", pool.fairShare()), pool.throttledCount());
        }
        return table.build();
    }

    /** One row per configured database, in file order. */
    static ResultTable databases(PgwardenConfig config, List<? extends PoolView> pools, AdminView view) {
        Map<String, PoolView> byDatabase = byDatabase(pools);
        ResultTable.Builder table = ResultTable.builder("SHOW")
                .text("name", "host").int8("port").text("database", "force_user")
                .int8("pool_size", "min_pool_size", "reserve_pool_size", "server_lifetime")
                .text("pool_mode", "load_balance_hosts")
                .int8("max_connections", "current_connections", "max_client_connections",
                        "current_client_connections", "paused", "disabled")
                .int8("min_connections", "weight")
                .text("schema");
        for (DatabaseConfig database : config.databases().values()) {
            BackendConfig backend = config.backendOf(database);
            PoolView pool = byDatabase.get(database.name());
            int servers = pool == null ? 0
                    : pool.serversActive() + pool.serversIdle() + pool.serversLogin() + pool.serversTested();
            int clients = pool == null ? 0 : pool.clientsActive() + pool.clientsWaiting() + pool.clientsIdle();
            table.row(database.name(), backend.host(), backend.port(), database.dbname(), database.user(),
                    database.pool().size(), database.pool().minIdle(), database.pool().reservePool(),
                    database.pool().serverLifetime().toSeconds(), database.pool().mode().yamlName(), null,
                    database.pool().size(), servers, database.pool().maxClientConnections(), clients,
                    view.isPaused(database.name()), view.isDisabled(database.name()), database.pool().minConnections(),
                    database.pool().weight(), database.schema());
        }
        return table.build();
    }

    /** PgBouncer's internal list sizes; the ones pgwarden has no equivalent of are 0. */
    static ResultTable lists(PgwardenConfig config, List<? extends PoolView> pools, AdminView view) {
        return ResultTable.builder("SHOW")
                .text("list").int8("items")
                .row("databases", config.databases().size())
                .row("users", config.services().size())
                .row("peers", 0)
                .row("pools", pools.size())
                .row("peer_pools", 0)
                .row("free_clients", 0)
                .row("used_clients", view.clients().size())
                .row("login_clients", 0)
                .row("free_servers", 0)
                .row("used_servers", view.servers().size())
                .row("dns_names", 0)
                .row("dns_zones", 0)
                .row("dns_queries", 0)
                .row("dns_pending", 0)
                .build();
    }

    static Map<String, PoolView> byDatabase(List<? extends PoolView> pools) {
        Map<String, PoolView> byDatabase = new LinkedHashMap<>();
        pools.forEach(pool -> byDatabase.put(pool.database(), pool));
        return byDatabase;
    }
}
