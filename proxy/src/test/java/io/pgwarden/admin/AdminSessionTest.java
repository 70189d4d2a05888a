package io.pgwarden.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.metrics.DatabaseMeters;
import io.pgwarden.metrics.MetricsFixtures;
import io.pgwarden.metrics.PgwardenMetrics;
import io.pgwarden.protocol.MessageFrameDecoder;
import io.pgwarden.protocol.frontend.FrontendMessages;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The console over an EmbeddedChannel, against a {@link FakeProxy}: exact columns, values and message order. */
class AdminSessionTest {

    private static final int TEXT = 25;
    private static final int INT8 = 20;

    private final PgwardenConfig config = MetricsFixtures.config();
    private final FakeProxy proxy = new FakeProxy();
    private final PgwardenMetrics metrics = new PgwardenMetrics(new SimpleMeterRegistry(), config);
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private EmbeddedChannel channel;

    @BeforeEach
    void open() {
        AdminConsole console = new AdminConsole(config, proxy, proxy, metrics, "pgwarden 9.9.9", clock::get);
        channel = new EmbeddedChannel(new MessageFrameDecoder(AdminConsole.MAX_MESSAGE_LENGTH), console.newSession("ops"));
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private List<Replies.Message> query(String sql) {
        Replies.read(channel); // whatever came before
        channel.writeInbound(FrontendMessages.query(ByteBufAllocator.DEFAULT, sql));
        return Replies.read(channel);
    }

    /** The rows of a one-result reply, each as column → value, after checking the message order T D* C Z. */
    private static List<Map<String, String>> rows(List<Replies.Message> replies) {
        String types = Replies.types(replies);
        assertTrue(types.matches("TD*CZ"), types);
        List<String> columns = List.copyOf(replies.get(0).columns().keySet());
        List<Map<String, String>> rows = new ArrayList<>();
        for (Replies.Message message : replies.subList(1, replies.size() - 2)) {
            Map<String, String> row = new LinkedHashMap<>();
            List<String> values = message.values();
            for (int i = 0; i < columns.size(); i++) {
                row.put(columns.get(i), values.get(i));
            }
            rows.add(row);
        }
        assertEquals("SHOW", replies.get(replies.size() - 2).text());
        assertEquals("I", replies.get(replies.size() - 1).text());
        return rows;
    }

    private static Map<String, String> row(String... keysAndValues) {
        Map<String, String> row = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            row.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return row;
    }

    @Test
    void greetsLikePostgresAfterAuthenticationOk() {
        EmbeddedChannel fresh = new EmbeddedChannel(new MessageFrameDecoder(),
                new AdminConsole(config, proxy, proxy, metrics, "pgwarden 9.9.9").newSession("ops"));
        List<Replies.Message> greeting = Replies.read(fresh);

        assertEquals("SSSSSSSSSSSZ", Replies.types(greeting));
        assertEquals("server_version", greeting.get(0).text());
        assertTrue(new String(greeting.get(0).body()).contains("17.0 (pgwarden 9.9.9 admin console)"));
        assertEquals("I", greeting.get(greeting.size() - 1).text());
        fresh.finishAndReleaseAll();
    }

    @Test
    void showPoolsHasPgBouncersColumnsAndThePoolsCounts() {
        proxy.orders.clientsActive = 2;
        proxy.orders.clientsIdle = 1;
        proxy.orders.clientsWaiting = 3;
        proxy.orders.serversActive = 2;
        proxy.orders.serversIdle = 1;
        proxy.orders.serversLogin = 1;
        proxy.orders.maxWaitNanos = TimeUnit.MILLISECONDS.toNanos(2_345);

        List<Replies.Message> replies = query("SHOW POOLS;");

        Map<String, Integer> columns = replies.get(0).columns();
        assertEquals(List.of("database", "user", "cl_active", "cl_waiting", "cl_active_cancel_req", "cl_waiting_cancel_req",
                "sv_active", "sv_active_cancel", "sv_being_canceled", "sv_idle", "sv_used", "sv_tested", "sv_login",
                "maxwait", "maxwait_us", "pool_mode", "load_balance_hosts", "fair_share", "throttled"),
                List.copyOf(columns.keySet()));
        assertEquals(TEXT, columns.get("database"));
        assertEquals(INT8, columns.get("cl_active"));
        assertEquals(TEXT, columns.get("pool_mode"));
        assertEquals(List.of(
                        row("database", "orders", "user", "orders_owner", "cl_active", "3", "cl_waiting", "3",
                                "cl_active_cancel_req", "0", "cl_waiting_cancel_req", "0", "sv_active", "2",
                                "sv_active_cancel", "0", "sv_being_canceled", "0", "sv_idle", "1", "sv_used", "0",
                                "sv_tested", "0", "sv_login", "1", "maxwait", "2", "maxwait_us", "345000",
                                "pool_mode", "session", "load_balance_hosts", null, "fair_share", "0.0", "throttled", "0"),
                        row("database", "payments", "user", "payments_owner", "cl_active", "0", "cl_waiting", "0",
                                "cl_active_cancel_req", "0", "cl_waiting_cancel_req", "0", "sv_active", "0",
                                "sv_active_cancel", "0", "sv_being_canceled", "0", "sv_idle", "0", "sv_used", "0",
                                "sv_tested", "0", "sv_login", "0", "maxwait", "0", "maxwait_us", "0",
                                "pool_mode", "transaction", "load_balance_hosts", null, "fair_share", "0.0", "throttled", "0")),
                rows(replies));
    }

    @Test
    void commandsAreCaseInsensitiveWithOptionalSemicolons() {
        for (String sql : List.of("show pools", "SHOW POOLS;", "  Show   Pools ;; ", "sHoW pOoLs\n")) {
            assertEquals(2, rows(query(sql)).size(), sql);
        }
    }

    @Test
    void showStatsHasPgBouncersColumnsTotalsAndAveragesOverTheLastMinute() {
        DatabaseMeters orders = metrics.forDatabase("orders");
        orders.clientWaitEnded(TimeUnit.MILLISECONDS.toNanos(2), false);
        orders.transactionCompleted(TimeUnit.MILLISECONDS.toNanos(10));
        orders.queryCompleted(TimeUnit.MILLISECONDS.toNanos(4));
        orders.bytesClientToServer(1000);
        orders.bytesServerToClient(5000);

        List<Replies.Message> first = query("SHOW STATS");
        assertEquals(List.of("database", "total_server_assignment_count", "total_xact_count", "total_query_count",
                "total_received", "total_sent", "total_xact_time", "total_query_time", "total_wait_time",
                "total_client_parse_count", "total_server_parse_count", "total_bind_count",
                "avg_server_assignment_count", "avg_xact_count", "avg_query_count", "avg_recv", "avg_sent",
                "avg_xact_time", "avg_query_time", "avg_wait_time",
                "avg_client_parse_count", "avg_server_parse_count", "avg_bind_count"),
                List.copyOf(first.get(0).columns().keySet()));
        Map<String, String> ordersRow = rows(first).get(0);
        assertEquals(List.of("orders", "1", "1", "1", "1000", "5000", "10000", "4000", "2000", "0", "0", "0",
                "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"), List.copyOf(ordersRow.values()),
                "no period has completed yet: averages are 0");

        for (int i = 0; i < 120; i++) {
            orders.transactionCompleted(TimeUnit.MILLISECONDS.toNanos(5));
            orders.queryCompleted(TimeUnit.MILLISECONDS.toNanos(3));
        }
        orders.bytesClientToServer(6000);
        clock.addAndGet(TimeUnit.SECONDS.toNanos(60));

        Map<String, String> later = rows(query("SHOW STATS")).get(0);
        assertEquals("121", later.get("total_xact_count"));
        assertEquals("2", later.get("avg_xact_count"), "120 transactions in 60 s");
        assertEquals("2", later.get("avg_query_count"));
        assertEquals("100", later.get("avg_recv"), "6000 bytes in 60 s");
        assertEquals("5000", later.get("avg_xact_time"), "microseconds per transaction");
        assertEquals("3000", later.get("avg_query_time"));
    }

    @Test
    void showStatsTotalsHasTheTotalsUnderPgBouncersNames() {
        metrics.forDatabase("payments").queryCompleted(TimeUnit.MICROSECONDS.toNanos(7));

        List<Map<String, String>> rows = rows(query("SHOW STATS_TOTALS"));

        assertEquals(row("database", "payments", "server_assignment_count", "0", "xact_count", "0", "query_count", "1",
                "bytes_received", "0", "bytes_sent", "0", "xact_time", "0", "query_time", "7", "wait_time", "0",
                "client_parse_count", "0", "server_parse_count", "0", "bind_count", "0"), rows.get(1));
    }

    @Test
    void showDatabasesHasPgBouncersColumns() {
        proxy.orders.serversActive = 2;
        proxy.orders.serversIdle = 1;
        proxy.orders.clientsActive = 2;
        proxy.orders.clientsWaiting = 4;
        proxy.paused.add("orders");

        List<Replies.Message> replies = query("SHOW DATABASES");

        assertEquals(List.of("name", "host", "port", "database", "force_user", "pool_size", "min_pool_size",
                "reserve_pool_size", "server_lifetime", "pool_mode", "load_balance_hosts", "max_connections",
                "current_connections", "max_client_connections", "current_client_connections", "paused", "disabled",
                "min_connections", "weight", "schema"),
                List.copyOf(replies.get(0).columns().keySet()));
        assertEquals(List.of(
                row("name", "orders", "host", "127.0.0.1", "port", "5432", "database", "orders_db", "force_user", "orders_owner",
                        "pool_size", "4", "min_pool_size", "1", "reserve_pool_size", "0", "server_lifetime", "3600",
                        "pool_mode", "session", "load_balance_hosts", null, "max_connections", "4",
                        "current_connections", "3", "max_client_connections", "0", "current_client_connections", "6",
                        "paused", "1", "disabled", "0", "min_connections", "0", "weight", "1", "schema", ""),
                row("name", "payments", "host", "127.0.0.1", "port", "5432", "database", "payments_db",
                        "force_user", "payments_owner", "pool_size", "20", "min_pool_size", "0", "reserve_pool_size", "0",
                        "server_lifetime", "3600", "pool_mode", "transaction", "load_balance_hosts", null,
                        "max_connections", "20", "current_connections", "0", "max_client_connections", "0",
                        "current_client_connections", "0", "paused", "0", "disabled", "0", "min_connections", "0", "weight", "1",
                        "schema", "")),
                rows(replies));
    }

    @Test
    void showClientsAndServersListConnectionsWithPgBouncersSocketColumns() {
        Instant connected = Instant.parse("2025-03-01T10:15:30Z");
        proxy.clients.add(new ConnectionInfo(0x1a, "orders-service", "orders", "waiting",
                new InetSocketAddress("127.0.0.1", 50123), new InetSocketAddress("127.0.0.1", 6432), connected, null,
                2_500_000, false, 0, 0, "", "billing", 0, "temp_table,listen"));
        proxy.servers.add(new ConnectionInfo(0x2b, "orders_owner", "orders", "active",
                new InetSocketAddress("127.0.0.1", 5432), new InetSocketAddress("127.0.0.1", 40000), connected,
                connected.plusSeconds(5), 0, true, 0x1a, 4242, "", "billing", 3, "temp_table,listen"));

        List<Replies.Message> clients = query("SHOW CLIENTS");
        assertEquals(List.of("type", "user", "database", "replication", "state", "addr", "port", "local_addr",
                "local_port", "connect_time", "request_time", "wait", "wait_us", "close_needed", "ptr", "link",
                "remote_pid", "tls", "application_name", "prepared_statements", "id", "pinned", "pin_reasons"),
                List.copyOf(clients.get(0).columns().keySet()));
        assertEquals(List.of(Arrays.asList("C", "orders-service", "orders", "none", "waiting", "127.0.0.1", "50123",
                        "127.0.0.1", "6432", "2025-03-01 10:15:30 UTC", null, "2", "500000", "0", "1a", "", "0", "",
                        "billing", "0", "26", "1", "temp_table,listen")),
                rows(clients).stream().map(r -> new ArrayList<>(r.values())).toList());

        List<Map<String, String>> servers = rows(query("SHOW SERVERS"));
        assertEquals(Arrays.asList("S", "orders_owner", "orders", "none", "active", "127.0.0.1", "5432", "127.0.0.1",
                        "40000", "2025-03-01 10:15:30 UTC", "2025-03-01 10:15:35 UTC", "0", "0", "1", "2b", "1a", "4242",
                        "", "billing", "3", "43", "1", "temp_table,listen"),
                new ArrayList<>(servers.get(0).values()));
    }

    @Test
    void showListsHasTheRowsPgbouncerExporterReads() {
        proxy.clients.add(new ConnectionInfo(1, "orders-service", "orders", "active", null, null, Instant.EPOCH, null,
                0, false, 0, 0, "", "", 0, ""));
        List<Map<String, String>> rows = rows(query("SHOW LISTS"));

        assertEquals(List.of("databases", "users", "peers", "pools", "peer_pools", "free_clients", "used_clients",
                "login_clients", "free_servers", "used_servers", "dns_names", "dns_zones", "dns_queries", "dns_pending"),
                rows.stream().map(r -> r.get("list")).toList());
        assertEquals(row("list", "databases", "items", "2"), rows.get(0));
        assertEquals(row("list", "users", "items", "3"), rows.get(1));
        assertEquals(row("list", "used_clients", "items", "1"), rows.get(6));
    }

    @Test
    void showConfigShowsSettingsButNoSecrets() {
        List<Replies.Message> replies = query("SHOW CONFIG");
        assertEquals(List.of("key", "value", "default", "changeable"), List.copyOf(replies.get(0).columns().keySet()));
        List<Map<String, String>> rows = rows(replies);

        assertTrue(rows.contains(row("key", "listen.port", "value", "6432", "default", "6432", "changeable", "no")));
        assertTrue(rows.contains(row("key", "admin_services", "value", "ops", "default", "", "changeable", "no")));
        assertTrue(rows.contains(row("key", "databases.orders.pool_size", "value", "4", "default", "20", "changeable", "no")));
        assertTrue(rows.contains(row("key", "backends.main.sample_interval", "value", "0", "default", "10s", "changeable", "no")));
        assertTrue(rows.contains(row("key", "http.read_timeout", "value", "10s", "default", "10s", "changeable", "no")));
        for (Map<String, String> row : rows) {
            assertFalse(row.get("key").contains("password"), row.toString());
            assertFalse(String.valueOf(row.get("value")).contains("-pw"), row.toString());
        }
    }

    @Test
    void showVersionAndHelp() {
        assertEquals(List.of(row("version", "pgwarden 9.9.9")), rows(query("SHOW VERSION")));
        List<Map<String, String>> help = rows(query("show help"));
        assertEquals(List.of("SHOW POOLS", "SHOW STATS", "SHOW STATS_TOTALS", "SHOW DATABASES", "SHOW CLIENTS",
                "SHOW SERVERS", "SHOW LISTS", "SHOW CONFIG", "SHOW VERSION", "SHOW HELP", "PAUSE [db]", "RESUME [db]",
                "RECONNECT [db]", "KILL db", "DISABLE db", "ENABLE db", "WAIT_CLOSE [db]", "RELOAD", "SHUTDOWN", "SHUTDOWN WAIT_FOR_CLIENTS", "SHUTDOWN WAIT_FOR_SERVERS"), help.stream().map(r -> r.get("command")).toList());
    }

    @Test
    void anUnknownCommandIsASyntaxErrorAndTheSessionGoesOn() {
        List<Replies.Message> replies = query("DROP DATABASE orders");

        assertEquals("EZ", Replies.types(replies));
        Map<Character, String> error = replies.get(0).fields();
        assertEquals("ERROR", error.get('S'));
        assertEquals("42601", error.get('C'));
        assertEquals("unknown command \"DROP\"; SHOW HELP lists the commands", error.get('M'));
        assertEquals("I", replies.get(1).text());

        assertEquals("42601", query("SHOW TABLES").get(0).fields().get('C'));
        assertEquals("42601", query("KILL").get(0).fields().get('C'));
        assertEquals("42601", query("SHOW POOLS; SHOW STATS").get(0).fields().get('C'));
        assertEquals(2, rows(query("SHOW POOLS")).size());
    }

    @Test
    void anUnknownDatabaseIsRefused() {
        List<Replies.Message> replies = query("KILL nosuch");

        assertEquals("EZ", Replies.types(replies));
        assertEquals("3D000", replies.get(0).fields().get('C'));
        assertEquals("no such database: nosuch", replies.get(0).fields().get('M'));
        assertEquals(List.of(), proxy.calls);
    }

    @Test
    void pauseAnswersOnlyWhenThePauseCompletesAndHoldsLaterQueries() {
        List<Replies.Message> nothingYet = query("PAUSE orders");
        assertEquals("", Replies.types(nothingYet));
        assertEquals(List.of("pause orders"), proxy.calls);

        channel.writeInbound(FrontendMessages.query(ByteBufAllocator.DEFAULT, "SHOW VERSION"));
        assertEquals("", Replies.types(Replies.read(channel)), "the next query waits for PAUSE");

        proxy.pauses.get("orders").complete(null);
        channel.runPendingTasks();
        List<Replies.Message> replies = Replies.read(channel);

        assertEquals("CZTDCZ", Replies.types(replies));
        assertEquals("PAUSE", replies.get(0).text());
        assertEquals("pgwarden 9.9.9", replies.get(3).values().get(0));
    }

    @Test
    void pauseResumeReconnectWithoutADatabaseActOnEveryDatabase() {
        query("PAUSE");
        proxy.pauses.values().forEach(pause -> pause.complete(null));
        channel.runPendingTasks();
        assertEquals("CZ", Replies.types(Replies.read(channel)));

        assertEquals("RESUME", query("RESUME").get(0).text());
        assertEquals("RECONNECT", query("reconnect").get(0).text());
        assertEquals("RECONNECT", query("RECONNECT payments").get(0).text());
        assertEquals("KILL", query("KILL \"orders\"").get(0).text());

        assertEquals(List.of("pause orders", "pause payments", "resume orders", "resume payments",
                "reconnect orders", "reconnect payments", "reconnect payments", "kill orders"), proxy.calls);
    }

    @Test
    void aFailedPauseIsAnErrorAndTheSessionGoesOn() {
        query("PAUSE payments");
        proxy.pauses.get("payments").completeExceptionally(new IllegalStateException("pool closed"));
        channel.runPendingTasks();
        List<Replies.Message> replies = Replies.read(channel);

        assertEquals("EZ", Replies.types(replies));
        assertEquals("XX000", replies.get(0).fields().get('C'));
        assertEquals(2, rows(query("SHOW POOLS")).size());
    }

    @Test
    void shutdownAnswersClosesAndThenStops() {
        List<Replies.Message> replies = query("SHUTDOWN");

        assertEquals("CZ", Replies.types(replies));
        assertEquals("SHUTDOWN", replies.get(0).text());
        channel.runPendingTasks();
        assertFalse(channel.isActive());
        assertEquals(List.of("shutdown"), proxy.calls);
    }

    @Test
    void anEmptyQueryGetsEmptyQueryResponse() {
        assertEquals("IZ", Replies.types(query(" ; ")));
        assertEquals("IZ", Replies.types(query("")));
    }

    @Test
    void setIsAcceptedAndIgnored() {
        List<Replies.Message> replies = query("SET application_name = 'psql; really'");
        assertEquals("CZ", Replies.types(replies));
        assertEquals("SET", replies.get(0).text());
    }

    @Test
    void theExtendedProtocolIsRefusedWithAFatalErrorAndAClose() {
        ByteBuf parse = Unpooled.buffer().writeByte('P').writeInt(4 + 1 + 9 + 2).writeByte(0)
                .writeBytes("SELECT 1".getBytes()).writeByte(0).writeShort(0);
        Replies.read(channel);
        channel.writeInbound(parse);
        List<Replies.Message> replies = Replies.read(channel);

        assertEquals("E", Replies.types(replies));
        assertEquals("FATAL", replies.get(0).fields().get('S'));
        assertEquals("08P01", replies.get(0).fields().get('C'));
        assertEquals("the admin console speaks only the simple query protocol", replies.get(0).fields().get('M'));
        assertFalse(channel.isActive());
    }

    @Test
    void terminateCloses() {
        channel.writeInbound(FrontendMessages.terminate(ByteBufAllocator.DEFAULT));
        assertFalse(channel.isActive());
    }

    @Test
    void queriesArrivingTogetherAreAnsweredInOrder() {
        Replies.read(channel);
        ByteBuf both = Unpooled.wrappedBuffer(
                FrontendMessages.query(ByteBufAllocator.DEFAULT, "SHOW VERSION"),
                FrontendMessages.query(ByteBufAllocator.DEFAULT, "RESUME orders"));
        channel.writeInbound(both);

        List<Replies.Message> replies = Replies.read(channel);
        assertEquals("TDCZCZ", Replies.types(replies));
        assertEquals("RESUME", replies.get(4).text());
    }
}
