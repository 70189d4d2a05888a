package io.pgwarden.admin;

import io.pgwarden.metrics.DatabaseTotals;
import java.util.Map;
import java.util.Optional;

/**
 * SHOW STATS and SHOW STATS_TOTALS with PgBouncer's columns (1.25). Totals are since start, times
 * in microseconds; averages are per second, or per transaction/query/assignment for the times,
 * over the last completed {@link StatsPeriods period}. pgwarden counts no Parse/Bind messages yet:
 * those columns are 0.
 */
final class StatsTables {

    private StatsTables() {
    }

    /** @param totals per configured database, in file order */
    static ResultTable stats(Map<String, DatabaseTotals> totals, Optional<StatsPeriods.Period> period) {
        ResultTable.Builder table = ResultTable.builder("SHOW")
                .text("database")
                .int8("total_server_assignment_count", "total_xact_count", "total_query_count",
                        "total_received", "total_sent", "total_xact_time", "total_query_time", "total_wait_time",
                        "total_client_parse_count", "total_server_parse_count", "total_bind_count",
                        "avg_server_assignment_count", "avg_xact_count", "avg_query_count", "avg_recv", "avg_sent",
                        "avg_xact_time", "avg_query_time", "avg_wait_time",
                        "avg_client_parse_count", "avg_server_parse_count", "avg_bind_count");
        totals.forEach((database, total) -> {
            DatabaseTotals delta = period.map(p -> p.delta(database)).orElse(DatabaseTotals.ZERO);
            double seconds = period.map(StatsPeriods.Period::seconds).orElse(0.0);
            table.row(database,
                    total.serverAssignments(), total.transactions(), total.queries(),
                    total.bytesReceived(), total.bytesSent(), total.transactionMicros(), total.queryMicros(),
                    total.waitMicros(), 0, 0, 0,
                    perSecond(delta.serverAssignments(), seconds), perSecond(delta.transactions(), seconds),
                    perSecond(delta.queries(), seconds), perSecond(delta.bytesReceived(), seconds),
                    perSecond(delta.bytesSent(), seconds),
                    average(delta.transactionMicros(), delta.transactions()),
                    average(delta.queryMicros(), delta.queries()),
                    average(delta.waitMicros(), delta.serverAssignments()),
                    0, 0, 0);
        });
        return table.build();
    }

    static ResultTable totals(Map<String, DatabaseTotals> totals) {
        ResultTable.Builder table = ResultTable.builder("SHOW")
                .text("database")
                .int8("server_assignment_count", "xact_count", "query_count", "bytes_received", "bytes_sent",
                        "xact_time", "query_time", "wait_time", "client_parse_count", "server_parse_count",
                        "bind_count");
        totals.forEach((database, total) -> table.row(database,
                total.serverAssignments(), total.transactions(), total.queries(), total.bytesReceived(),
                total.bytesSent(), total.transactionMicros(), total.queryMicros(), total.waitMicros(), 0, 0, 0));
        return table.build();
    }

    private static long perSecond(long count, double seconds) {
        return seconds <= 0 ? 0 : Math.round(count / seconds);
    }

    private static long average(long total, long count) {
        return count <= 0 ? 0 : total / count;
    }
}
