package io.pgwarden.admin;

import io.pgwarden.config.BackendConfig;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.HttpConfig;
import io.pgwarden.config.ListenConfig;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.config.PoolSettings;
import io.pgwarden.config.ServiceConfig;
import java.time.Duration;

/**
 * SHOW CONFIG, SHOW VERSION and SHOW HELP. SHOW CONFIG has PgBouncer's four columns (key, value,
 * default, changeable); its keys are pgwarden's own, dotted as in the file. Passwords and
 * verifiers are never shown.
 */
final class InfoTables {

    private InfoTables() {
    }

    static ResultTable version(String version) {
        return ResultTable.builder("SHOW").text("version").row(version).build();
    }

    static ResultTable help() {
        return ResultTable.builder("SHOW")
                .text("command", "description")
                .row("SHOW POOLS", "per database: clients and server connections by state, longest wait")
                .row("SHOW STATS", "per database: totals since start and averages over the last minute")
                .row("SHOW STATS_TOTALS", "per database: the totals of SHOW STATS")
                .row("SHOW DATABASES", "per database: backend, pool settings, connections, paused")
                .row("SHOW CLIENTS", "one row per client connection")
                .row("SHOW SERVERS", "one row per server connection")
                .row("SHOW LISTS", "counts of databases, services, pools, clients, servers")
                .row("SHOW CONFIG", "the settings in force (no secrets)")
                .row("SHOW VERSION", "the pgwarden version")
                .row("SHOW HELP", "this list")
                .row("PAUSE [db]", "hold new transactions of db (or of all); returns when those in flight ended")
                .row("RESUME [db]", "let held transactions of db (or of all) go on")
                .row("RECONNECT [db]", "close server connections of db (or of all) as they are released")
                .row("KILL db", "close every client and server connection of db now")
                .row("DISABLE db", "refuse new clients of db; connected ones go on")
                .row("ENABLE db", "accept new clients of db again")
                .row("WAIT_CLOSE [db]", "return once the server connections RECONNECT or RELOAD marked for closing are closed")
                .row("RELOAD", "read the config file again and apply it, all or nothing; one row per change")
                .row("SHUTDOWN", "stop pgwarden")
                .row("SHUTDOWN WAIT_FOR_CLIENTS", "accept no new connections; stop once every client has disconnected")
                .row("SHUTDOWN WAIT_FOR_SERVERS", "accept no new connections, pause every database; stop once every server is released")
                .build();
    }

    static ResultTable config(PgwardenConfig config) {
        ResultTable.Builder table = ResultTable.builder("SHOW").text("key", "value", "default", "changeable");
        ListenConfig listen = config.listen();
        row(table, "listen.host", listen.host(), ListenConfig.DEFAULT.host());
        row(table, "listen.port", listen.port(), ListenConfig.DEFAULT.port());
        HttpConfig http = config.http();
        row(table, "http.enabled", http.enabled(), HttpConfig.NONE.enabled());
        row(table, "http.host", http.host(), HttpConfig.DEFAULT_HOST);
        row(table, "http.port", http.port(), HttpConfig.DEFAULT_PORT);
        row(table, "http.metrics", http.metrics(), true);
        row(table, "http.read_timeout", duration(http.readTimeout()), duration(HttpConfig.DEFAULT_READ_TIMEOUT));
        row(table, "http.max_connections", http.maxConnections(), HttpConfig.DEFAULT_MAX_CONNECTIONS);
        row(table, "admin_services", String.join(",", config.adminServices()), "");
        for (BackendConfig backend : config.backends().values()) {
            String at = "backends." + backend.name() + ".";
            row(table, at + "host", backend.host(), null);
            row(table, at + "port", backend.port(), 5432);
            row(table, at + "admin_user", backend.adminUser(), "postgres");
            row(table, at + "admin_database", backend.adminDatabase(), "postgres");
            row(table, at + "sample_interval", duration(backend.sampleInterval()),
                    duration(BackendConfig.DEFAULT_SAMPLE_INTERVAL));
        }
        PoolSettings defaults = PoolSettings.DEFAULTS;
        for (DatabaseConfig database : config.databases().values()) {
            String at = "databases." + database.name() + ".";
            PoolSettings pool = database.pool();
            row(table, at + "backend", database.backend(), null);
            row(table, at + "dbname", database.dbname(), database.name());
            row(table, at + "schema", database.schema(), "");
            row(table, at + "public_schema", database.publicSchema(), false);
            row(table, at + "user", database.user(), null);
            row(table, at + "pool_mode", pool.mode().yamlName(), defaults.mode().yamlName());
            row(table, at + "pool_size", pool.size(), defaults.size());
            row(table, at + "min_idle", pool.minIdle(), defaults.minIdle());
            row(table, at + "query_wait_timeout", duration(pool.queryWaitTimeout()), duration(defaults.queryWaitTimeout()));
            row(table, at + "server_idle_timeout", duration(pool.serverIdleTimeout()), duration(defaults.serverIdleTimeout()));
            row(table, at + "server_lifetime", duration(pool.serverLifetime()), duration(defaults.serverLifetime()));
            row(table, at + "server_connect_timeout", duration(pool.serverConnectTimeout()),
                    duration(defaults.serverConnectTimeout()));
            row(table, at + "reset_query", pool.resetQuery(), defaults.resetQuery());
            row(table, at + "query_timeout", duration(pool.queryTimeout()), duration(defaults.queryTimeout()));
            row(table, at + "idle_transaction_timeout", duration(pool.idleTransactionTimeout()),
                    duration(defaults.idleTransactionTimeout()));
            row(table, at + "client_idle_timeout", duration(pool.clientIdleTimeout()), duration(defaults.clientIdleTimeout()));
            row(table, at + "prepared_statement_cache_size", pool.preparedStatementCacheSize(),
                    defaults.preparedStatementCacheSize());
            row(table, at + "pinning", pool.pinning().yamlName(), defaults.pinning().yamlName());
            row(table, at + "max_pinned", pool.maxPinnedClients(), null);
            row(table, at + "pinned_idle_timeout", duration(pool.pinnedIdleTimeout()), duration(defaults.pinnedIdleTimeout()));
            row(table, at + "move_timeout", duration(pool.moveTimeout()), duration(defaults.moveTimeout()));
        }
        for (ServiceConfig service : config.services().values()) {
            String at = "services." + service.name() + ".";
            row(table, at + "auth", service.auth().yamlName(), "scram-sha-256");
            row(table, at + "databases", String.join(",", service.databases()), null);
        }
        return table.build();
    }

    /** Nothing can be changed at run time (yet): every row says no. */
    private static void row(ResultTable.Builder table, String key, Object value, Object defaultValue) {
        table.row(key, String.valueOf(value), defaultValue == null ? null : String.valueOf(defaultValue), "no");
    }

    /** The config file's spelling: 0, 500ms, 30s, 5m, 1h. */
    static String duration(Duration duration) {
        long millis = duration.toMillis();
        if (millis == 0) {
            return "0";
        }
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1_000 == 0) {
            return millis / 1_000 + "s";
        }
        return millis + "ms";
    }
}
