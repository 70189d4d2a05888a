package io.pgwarden.metrics;

import static io.pgwarden.metrics.Labels.BACKEND;
import static io.pgwarden.metrics.Labels.DATABASE;
import static io.pgwarden.metrics.Labels.DIRECTION;
import static io.pgwarden.metrics.Labels.KEY;
import static io.pgwarden.metrics.Labels.KIND;
import static io.pgwarden.metrics.Labels.LIMIT;
import static io.pgwarden.metrics.Labels.REASON;
import static io.pgwarden.metrics.Labels.RESULT;
import static io.pgwarden.metrics.Labels.SERVICE;
import static io.pgwarden.metrics.Labels.SEVERITY;
import static io.pgwarden.metrics.Labels.SQLSTATE_CLASS;
import static io.pgwarden.metrics.Labels.STATE;

import io.micrometer.core.instrument.Meter;
import java.util.List;

/**
 * Every meter pgwarden defines, in one place (reactor-netty's {@code ConnectionProviderMeters}
 * style). The Prometheus names and labels are a contract: alert rules and dashboards use them.
 * Micrometer names are dotted; the Prometheus registry adds {@code _total} to counters and
 * {@code _seconds} to timers, which {@link #prometheusName()} spells out.
 */
public enum PgwardenMeter {

    CLIENTS("pgwarden.clients", "pgwarden_clients", Meter.Type.GAUGE,
            "Client connections of a database, by state: active (has a server connection), waiting "
                    + "(for one), idle (between transactions)", DATABASE, STATE),
    SERVER_CONNECTIONS("pgwarden.server.connections", "pgwarden_server_connections", Meter.Type.GAUGE,
            "Server connections of a database's pool, by state: active (lent to a client), idle, "
                    + "login (being opened), tested (being reset)", DATABASE, BACKEND, STATE),
    POOL_SIZE("pgwarden.pool.size", "pgwarden_pool_size", Meter.Type.GAUGE,
            "The configured maximum of server connections of a database (pool_size)", DATABASE),
    POOL_SATURATION("pgwarden.pool.saturation.ratio", "pgwarden_pool_saturation_ratio", Meter.Type.GAUGE,
            "Server connections in use (active, login, tested) divided by pool_size", DATABASE),
    POOL_FAIR_SHARE("pgwarden.pool.fair.share", "pgwarden_pool_fair_share", Meter.Type.GAUGE,
            "The database's weighted fair share of its instance's connection budget now (0 without demand)", DATABASE),
    POOL_THROTTLED("pgwarden.pool.throttled", "pgwarden_pool_throttled_total", Meter.Type.COUNTER,
            "Times a client had to wait because of the instance budget, not its own pool_size", DATABASE),
    REPLICATION_CONNECTIONS("pgwarden.replication.connections", "pgwarden_replication_connections", Meter.Type.GAUGE,
            "Logical replication (CDC) connections of a database: each a client's own server connection, outside the "
                    + "pool and its pool_size, inside the instance budget", DATABASE),
    BACKEND_BUDGET("pgwarden.backend.budget.connections", "pgwarden_backend_budget_connections", Meter.Type.GAUGE,
            "Server connections pgwarden may hold on the instance across all its databases", BACKEND),
    BACKEND_BUDGET_IN_USE("pgwarden.backend.budget.in.use", "pgwarden_backend_budget_in_use", Meter.Type.GAUGE,
            "Server connections pgwarden holds (open or opening) on the instance", BACKEND),
    CLIENT_WAIT("pgwarden.client.wait", "pgwarden_client_wait_seconds", Meter.Type.TIMER,
            "Time a client waited for a server connection (timed-out waits included)", DATABASE),
    CLIENT_WAIT_TIMEOUTS("pgwarden.client.wait.timeouts", "pgwarden_client_wait_timeouts_total", Meter.Type.COUNTER,
            "Clients that waited query_wait_timeout without getting a server connection", DATABASE),
    TRANSACTIONS("pgwarden.transactions", "pgwarden_transactions_total", Meter.Type.COUNTER,
            "Transactions completed (an autocommit statement counts as one)", DATABASE),
    QUERIES("pgwarden.queries", "pgwarden_queries_total", Meter.Type.COUNTER,
            "Queries completed (each request ended by ReadyForQuery)", DATABASE),
    TRANSACTION_DURATION("pgwarden.transaction.duration", "pgwarden_transaction_duration_seconds", Meter.Type.TIMER,
            "Time from a transaction's first request to the ReadyForQuery that ends it", DATABASE),
    QUERY_DURATION("pgwarden.query.duration", "pgwarden_query_duration_seconds", Meter.Type.TIMER,
            "Time from a request to its ReadyForQuery", DATABASE),
    BYTES("pgwarden.bytes", "pgwarden_bytes_total", Meter.Type.COUNTER,
            "Protocol bytes forwarded, by direction", DATABASE, DIRECTION),
    CLIENT_CONNECTIONS("pgwarden.client.connections", "pgwarden_client_connections_total", Meter.Type.COUNTER,
            "Client logins, by service and result: ok, denied (database not granted), auth_failed",
            DATABASE, SERVICE, RESULT),
    ACCESS_DENIED("pgwarden.access.denied", "pgwarden_access_denied_total", Meter.Type.COUNTER,
            "A service asked for a database it is not granted", SERVICE, DATABASE),
    AUTH_FAILURES("pgwarden.auth.failures", "pgwarden_auth_failures_total", Meter.Type.COUNTER,
            "Client authentications that failed, by reason", REASON),
    LOGINS_REFUSED("pgwarden.logins.refused", "pgwarden_logins_refused_total", Meter.Type.COUNTER,
            "Connections refused at once (53300) because too many logins were pending: over all "
                    + "(max_pending_logins) or from their source address (max_pending_logins_per_address)", LIMIT),
    CANCEL_REQUESTS("pgwarden.cancel.requests", "pgwarden_cancel_requests_total", Meter.Type.COUNTER,
            "CancelRequests received, by result: local, forwarded (another replica's key, sent to the peers), "
                    + "unknown_key (forged, or its client gone), not_mine (a peer's forward for a third replica), forward_dropped",
            RESULT),
    LOGIN_THROTTLE_EPISODES("pgwarden.login.throttle.episodes", "pgwarden_login_throttle_episodes_total", Meter.Type.COUNTER,
            "Times a service name or a source address reached limits.auth_failures failed logins within "
                    + "limits.auth_failure_window: its further answers are delayed until the window ends", KEY),
    PINNED_CLIENTS("pgwarden.pinned.clients", "pgwarden_pinned_clients", Meter.Type.GAUGE,
            "Transaction-mode clients pinned to their server connection now, by reason (a client pinned for two "
                    + "reasons counts in both)", DATABASE, REASON),
    PINNED_SERVER_CONNECTIONS("pgwarden.pinned.server.connections", "pgwarden_pinned_server_connections", Meter.Type.GAUGE,
            "Server connections of a database's pool held by pinned clients (each pinned client holds one)", DATABASE),
    PINS("pgwarden.pins", "pgwarden_pins_total", Meter.Type.COUNTER,
            "Times a transaction-mode client was pinned to its server connection for a reason", DATABASE, REASON),
    CONFIG_RELOADS("pgwarden.config.reloads", "pgwarden_config_reloads_total", Meter.Type.COUNTER,
            "Config reloads (SIGHUP, RELOAD, pgwarden reload, watch_config), by result: success, or failure (the file "
                    + "had an error and nothing changed)", RESULT),
    CONFIG_LAST_RELOAD_SUCCESS("pgwarden.config.last.reload.success.timestamp.seconds",
            "pgwarden_config_last_reload_success_timestamp_seconds", Meter.Type.GAUGE,
            "When the config in force was loaded (Unix time): the start, or the last reload that succeeded"),
    CONFIG_LAST_RELOAD_SUCCESSFUL("pgwarden.config.last.reload.successful", "pgwarden_config_last_reload_successful",
            Meter.Type.GAUGE, "1 when the last reload succeeded (or none was tried), 0 when it failed: the file on disk is not "
                    + "the config in force"),
    CLIENTS_ENDED("pgwarden.clients.ended", "pgwarden_clients_ended_total", Meter.Type.COUNTER,
            "Clients asked to leave at the end of their transaction, by reason: pool_mode (a reload changed it), revoked (a reload took their service's "
                    + "grant away, or removed the service), removed (their database left the config), shutdown (SIGTERM's drain), moved "
                    + "(still on the old location of a moved database at move_timeout: ended then, inside a transaction too)",
            DATABASE, REASON),
    DATABASE_MOVES("pgwarden.database.moves", "pgwarden_database_moves_total", Meter.Type.COUNTER,
            "Moves of a database to another backend or dbname (a reload), by result: clean (everything on the old location "
                    + "ended within move_timeout), forced (clients still there at move_timeout were ended), abandoned (the "
                    + "database was removed or pgwarden stopped first)", DATABASE, RESULT),
    DATABASE_MOVE_DURATION("pgwarden.database.move", "pgwarden_database_move_seconds", Meter.Type.TIMER,
            "How long a move held the database's new transactions: from the reload to the first server of the new location "
                    + "being allowed (abandoned moves are not timed)", DATABASE),
    DATABASES_MOVING("pgwarden.databases.moving", "pgwarden_databases_moving", Meter.Type.GAUGE,
            "Databases moving now: a reload changed their backend or dbname and their old location is not empty yet "
                    + "(new transactions held)"),
    DATABASES_PAUSED("pgwarden.databases.paused", "pgwarden_databases_paused", Meter.Type.GAUGE,
            "Databases paused now (PAUSE or KILL, until RESUME)"),
    SERVER_ERRORS("pgwarden.server.errors", "pgwarden_server_errors_total", Meter.Type.COUNTER,
            "ErrorResponses from PostgreSQL, by SQLSTATE class (its first two characters)", DATABASE, SQLSTATE_CLASS),

    BACKEND_UP("pgwarden.backend.up", "pgwarden_backend_up", Meter.Type.GAUGE,
            "1 when the last instance sample of the backend succeeded, else 0", BACKEND),
    BACKEND_CONNECTIONS("pgwarden.backend.connections", "pgwarden_backend_connections", Meter.Type.GAUGE,
            "Client backends on the instance (pg_stat_activity), by database and state; database 'other' "
                    + "sums the databases pgwarden does not route to", BACKEND, DATABASE, STATE),
    BACKEND_MAX_CONNECTIONS("pgwarden.backend.max.connections", "pgwarden_backend_max_connections", Meter.Type.GAUGE,
            "Connections ordinary roles may open: max_connections - superuser_reserved_connections "
                    + "- reserved_connections", BACKEND),
    BACKEND_XACT_COMMIT("pgwarden.backend.database.xact.commit", "pgwarden_backend_database_xact_commit_total",
            Meter.Type.COUNTER, "pg_stat_database.xact_commit", BACKEND, DATABASE),
    BACKEND_XACT_ROLLBACK("pgwarden.backend.database.xact.rollback", "pgwarden_backend_database_xact_rollback_total",
            Meter.Type.COUNTER, "pg_stat_database.xact_rollback", BACKEND, DATABASE),
    BACKEND_BLKS_READ("pgwarden.backend.database.blks.read", "pgwarden_backend_database_blks_read_total",
            Meter.Type.COUNTER, "pg_stat_database.blks_read", BACKEND, DATABASE),
    BACKEND_BLKS_HIT("pgwarden.backend.database.blks.hit", "pgwarden_backend_database_blks_hit_total",
            Meter.Type.COUNTER, "pg_stat_database.blks_hit", BACKEND, DATABASE),
    BACKEND_DEADLOCKS("pgwarden.backend.database.deadlocks", "pgwarden_backend_database_deadlocks_total",
            Meter.Type.COUNTER, "pg_stat_database.deadlocks", BACKEND, DATABASE),
    BACKEND_TEMP_BYTES("pgwarden.backend.database.temp.bytes", "pgwarden_backend_database_temp_bytes_total",
            Meter.Type.COUNTER, "pg_stat_database.temp_bytes", BACKEND, DATABASE),

    ISOLATION_FINDINGS("pgwarden.isolation.findings", "pgwarden_isolation_findings", Meter.Type.GAUGE,
            "Findings of the last isolation audit of the backend (audit.interval), by severity and kind; "
                    + "a pair without findings has no series", BACKEND, SEVERITY, KIND),
    ISOLATION_AUDIT_TIMESTAMP("pgwarden.isolation.audit.timestamp.seconds", "pgwarden_isolation_audit_timestamp_seconds",
            Meter.Type.GAUGE, "Unix time the last isolation audit of the backend completed (0 before the first)", BACKEND);

    private final String meterName;
    private final String prometheusName;
    private final Meter.Type type;
    private final String description;
    private final List<String> labels;

    PgwardenMeter(String meterName, String prometheusName, Meter.Type type, String description, String... labels) {
        this.meterName = meterName;
        this.prometheusName = prometheusName;
        this.type = type;
        this.description = description;
        this.labels = List.of(labels);
    }

    /** The dotted Micrometer name. */
    public String meterName() {
        return meterName;
    }

    /** The name in the Prometheus exposition (timers also get {@code _bucket}, {@code _count}, {@code _sum}, {@code _max}). */
    public String prometheusName() {
        return prometheusName;
    }

    public Meter.Type type() {
        return type;
    }

    public String description() {
        return description;
    }

    /** Label names, in the order of the table in docs/metrics.md. */
    public List<String> labels() {
        return labels;
    }
}
