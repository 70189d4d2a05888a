package io.pgwarden.metrics;

import java.util.List;

/**
 * What one sample read from an instance, in PostgreSQL's own names.
 *
 * @param activity        client backends by database and state (pg_stat_activity), the sampler's own excluded
 * @param connectionLimit max_connections - superuser_reserved_connections - reserved_connections
 * @param databases       pg_stat_database, one row per database
 */
record InstanceSample(List<Activity> activity, int connectionLimit, List<DatabaseStats> databases) {

    /** @param state null when the sampling role may not see it (it needs pg_monitor or superuser) */
    record Activity(String datname, String state, int count) {
    }

    record DatabaseStats(String datname, long xactCommit, long xactRollback, long blksRead, long blksHit,
                         long deadlocks, long tempBytes) {
    }
}
