package io.pgwarden.admin;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * SHOW CLIENTS and SHOW SERVERS: PgBouncer's socket columns (1.25), one row per connection.
 * {@code ptr} is the connection's id in hex and {@code link} the id of its partner, so a client's
 * link matches its server's ptr as in PgBouncer.
 */
final class ConnectionTables {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
    private static final long MICROS_PER_SECOND = 1_000_000;

    private ConnectionTables() {
    }

    static ResultTable clients(List<ConnectionInfo> clients) {
        return table("C", clients);
    }

    static ResultTable servers(List<ConnectionInfo> servers) {
        return table("S", servers);
    }

    private static ResultTable table(String type, List<ConnectionInfo> connections) {
        ResultTable.Builder table = ResultTable.builder("SHOW")
                .text("type", "user", "database", "replication", "state", "addr").int8("port")
                .text("local_addr").int8("local_port").text("connect_time", "request_time")
                .int8("wait", "wait_us", "close_needed").text("ptr", "link").int8("remote_pid")
                .text("tls", "application_name").int8("prepared_statements", "id")
                .int8("pinned").text("pin_reasons");
        for (ConnectionInfo c : connections) {
            table.row(type, c.user(), c.database(), "none", c.state(),
                    host(c.remote()), port(c.remote()), host(c.local()), port(c.local()),
                    time(c.connectTime()), time(c.requestTime()),
                    c.waitMicros() / MICROS_PER_SECOND, c.waitMicros() % MICROS_PER_SECOND, c.closeNeeded(),
                    Long.toHexString(c.id()), c.linkId() == 0 ? "" : Long.toHexString(c.linkId()), c.remotePid(),
                    c.tls(), c.applicationName(), c.preparedStatements(), c.id(),
                    c.pinReasons().isEmpty() ? 0 : 1, c.pinReasons());
        }
        return table.build();
    }

    private static String host(InetSocketAddress address) {
        return address == null ? null : address.getHostString();
    }

    private static Integer port(InetSocketAddress address) {
        return address == null ? null : address.getPort();
    }

    private static String time(Instant instant) {
        return instant == null ? null : TIME.format(instant);
    }
}
