package io.pgwarden.metrics;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** The catalog queries of an instance sample (the budget reads the connection limit too). Read-only; PostgreSQL 10 and later. */
public final class InstanceQueries {

    /** Only client backends count against max_connections; the sampler's own session is left out. */
    static final String ACTIVITY = """
            SELECT datname, state, count(*)::int
              FROM pg_stat_activity
             WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
             GROUP BY datname, state""";

    /**
     * The connections ordinary roles may open: max_connections less the reserved ones.
     * reserved_connections exists from PostgreSQL 16 on; missing_ok makes it NULL before.
     */
    public static final String CONNECTION_LIMIT = """
            SELECT current_setting('max_connections')::int
                 - current_setting('superuser_reserved_connections')::int
                 - coalesce(current_setting('reserved_connections', true), '0')::int""";

    static final String DATABASE_STATS = """
            SELECT datname, xact_commit, xact_rollback, blks_read, blks_hit, deadlocks, temp_bytes
              FROM pg_stat_database
             WHERE datname IS NOT NULL""";

    private InstanceQueries() {
    }

    static InstanceSample sample(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            List<InstanceSample.Activity> activity = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery(ACTIVITY)) {
                while (rows.next()) {
                    activity.add(new InstanceSample.Activity(rows.getString(1), rows.getString(2), rows.getInt(3)));
                }
            }
            int limit;
            try (ResultSet rows = statement.executeQuery(CONNECTION_LIMIT)) {
                rows.next();
                limit = rows.getInt(1);
            }
            List<InstanceSample.DatabaseStats> databases = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery(DATABASE_STATS)) {
                while (rows.next()) {
                    databases.add(new InstanceSample.DatabaseStats(rows.getString(1), rows.getLong(2), rows.getLong(3),
                            rows.getLong(4), rows.getLong(5), rows.getLong(6), rows.getLong(7)));
                }
            }
            return new InstanceSample(activity, limit, databases);
        }
    }

    /** pg_stat_activity.state as a label value: a closed set, spaces turned into underscores. */
    static String stateLabel(String state) {
        if (state == null) {
            return Labels.UNKNOWN;
        }
        return switch (state) {
            case "active" -> "active";
            case "idle" -> "idle";
            case "idle in transaction" -> "idle_in_transaction";
            case "idle in transaction (aborted)" -> "idle_in_transaction_aborted";
            case "fastpath function call" -> "fastpath_function_call";
            case "disabled" -> "disabled";
            default -> Labels.OTHER;
        };
    }
}
