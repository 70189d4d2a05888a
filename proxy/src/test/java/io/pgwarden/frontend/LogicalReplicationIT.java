package io.pgwarden.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgwarden.Eventually;
import io.pgwarden.Pgwarden;
import io.pgwarden.config.ConfigLoader;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.embedded.EmbeddedPostgresServer;
import io.pgwarden.provision.Provisioner;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * Change data capture through pgwarden, with pgjdbc's replication API and pgoutput (what Debezium
 * uses) and pg_recvlogical: a service with {@code replication: true} creates a slot, streams inserts,
 * acknowledges them, comes back and resumes where it left off; one without is refused before
 * PostgreSQL is touched. A PostgreSQL 17 of its own, with {@code wal_level = logical}.
 */
class LogicalReplicationIT {

    private static final String CONFIG = """
            listen: {host: 127.0.0.1, port: 0}
            admin_services: [ops]
            backends:
              main: {host: 127.0.0.1, port: "${PG_PORT}", admin_user: postgres, max_connections: 4}
            databases:
              # CDC logs in as orders_cdc (provision gives it REPLICATION); pooled clients are transaction-mode,
              # with timeouts a replication client must not be ended by
              orders: {backend: main, dbname: orders_db, user: orders_owner, password: orders-db-pw,
                       replication_user: orders_cdc, replication_password: cdc-db-pw,
                       pool_mode: transaction, pool_size: 2, client_idle_timeout: 1s, idle_transaction_timeout: 1s}
              # no replication_user: its own role, which has no REPLICATION
              users: {backend: main, dbname: users_db, user: users_owner, password: users-db-pw}
            services:
              cdc-service: {password: cdc-pw, databases: [orders, users], replication: true}
              orders-service: {password: orders-pw, databases: [orders]}
              ops: {password: ops-pw}
            """;

    private static EmbeddedPostgresServer postgres;
    private static Pgwarden pgwarden;

    @BeforeAll
    static void start() throws Exception {
        postgres = EmbeddedPostgresServer.start(0, null,
                // wal_sender_timeout off: a client that stops reading on purpose sends no status updates either
                Map.of("wal_level", "logical", "max_wal_senders", "10", "max_replication_slots", "10", "wal_sender_timeout", "0"));
        PgwardenConfig config = ConfigLoader.parse(CONFIG, "replication.yaml",
                Map.of("PG_PORT", String.valueOf(postgres.port()))::get);
        new Provisioner().provision(config);
        try (Connection owner = direct("orders_db", "orders_owner", "orders-db-pw"); Statement st = owner.createStatement()) {
            st.execute("CREATE TABLE events (id int PRIMARY KEY, body text NOT NULL)");
            st.execute("CREATE PUBLICATION orders_pub FOR TABLE events");
        }
        pgwarden = new Pgwarden(config).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (pgwarden != null) {
            pgwarden.close();
        }
        if (postgres != null) {
            try (Connection admin = postgres.adminDataSource("orders_db").getConnection(); Statement st = admin.createStatement()) {
                st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active");
            }
            postgres.close();
        }
    }

    @Test
    void aCdcClientStreamsInsertsAcknowledgesThemAndResumesAfterReconnectingWithNoneLostOrRepeated() throws Exception {
        try (Connection cdc = replicationConnection("cdc-service", "cdc-pw", "orders")) {
            cdc.unwrap(PGConnection.class).getReplicationAPI().createReplicationSlot().logical()
                    .withSlotName("orders_cdc_slot").withOutputPlugin("pgoutput").make();
            PGReplicationStream stream = startStream(cdc, "orders_cdc_slot");
            insert(1, 2, 3);
            Received first = receive(stream, 3);
            assertEquals(List.of("event 1", "event 2", "event 3"), first.bodies);
            assertEquals(List.of("logical"), replicationColumnOf("SHOW CLIENTS"), "SHOW CLIENTS shows it as a replication client");
            assertEquals(List.of("logical orders_cdc cdc-test"), replicationColumnOf("SHOW SERVERS"),
                    "SHOW SERVERS shows its server, logged in as the replication_user, with the client's application_name");
            assertEquals(1.0, replicationGauge("orders"));
            acknowledge(stream, "orders_cdc_slot", first.commitEnd);
        }
        Eventually.await("the replication connection's budget returned", () -> replicationGauge("orders") == 0.0
                && pgwarden.pool("orders").budget().dedicated() == 0);

        insert(4, 5, 6); // while the CDC client is away
        try (Connection cdc = replicationConnection("cdc-service", "cdc-pw", "orders")) {
            PGReplicationStream stream = startStream(cdc, "orders_cdc_slot");
            insert(7);
            Received resumed = receive(stream, 4);
            assertEquals(List.of("event 4", "event 5", "event 6", "event 7"), resumed.bodies,
                    "from the acknowledged position on: nothing lost, nothing repeated");
            acknowledge(stream, "orders_cdc_slot", resumed.commitEnd);
        }
    }

    @Test
    void aReplicationClientOutlivesTheTimeoutsOfPooledClientsButNotItsServer() throws Exception {
        try (Connection cdc = replicationConnection("cdc-service", "cdc-pw", "orders")) {
            cdc.unwrap(PGConnection.class).getReplicationAPI().createReplicationSlot().logical()
                    .withSlotName("orders_timeout_slot").withOutputPlugin("pgoutput").make();
            PGReplicationStream stream = startStream(cdc, "orders_timeout_slot");
            try (Connection pooled = viaPgwarden("orders-service", "orders-pw", "orders", new Properties())) {
                // client_idle_timeout (1 s) ends the pooled client that connected after the stream started...
                Eventually.await("client_idle_timeout ended the idle pooled client", () -> pgwarden.pool("orders").clients().isEmpty());
                assertThrows(SQLException.class, () -> pooled.createStatement().execute("SELECT 1"));
            }
            // ...and the replication client, idle just as long, still streams
            insert(100);
            assertEquals(List.of("event 100"), receive(stream, 1).bodies);

            int walsender;
            try (Connection admin = postgres.adminDataSource("postgres").getConnection(); Statement st = admin.createStatement();
                 ResultSet rs = st.executeQuery("SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'orders_timeout_slot'")) {
                rs.next();
                walsender = rs.getInt(1);
                st.execute("SELECT pg_terminate_backend(" + walsender + ")");
            }
            SQLException ended = Eventually.await("the client is ended with its server", () -> {
                try {
                    stream.readPending();
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            }, e -> e != null);
            assertTrue(ended.getMessage().contains("terminating connection due to administrator command")
                    || ended.getSQLState().startsWith("08"), ended.toString());
        }
        Eventually.await("no replication client left", () -> replicationColumnOfShowClients().isEmpty()
                && replicationGauge("orders") == 0.0);
    }

    /*
     * Fails if pgwarden keeps reading the walsender for a client that does not read: the walsender
     * would then never stall and pgwarden would take every change into memory (tried: with the
     * server read regardless of the client's writability, it never stalled in 60 s). How much the
     * kernel buffers before the walsender stalls depends on the machine (tcp_rmem's maximum is
     * 32 MiB on some, 6 MiB on others), so the changes are written in 8 MB rounds until it does.
     */
    @Test
    void aCdcClientThatStopsReadingPausesTheWalsenderInsteadOfFillingPgwardensMemoryAndThenGetsEverything() throws Exception {
        long directBefore = io.netty.buffer.PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
        // the client's receive buffer is the kernel's default: a 16 KiB one on loopback (segments of up to
        // 64 KiB) drops segments, and the retransmission that follows can stall a message half-way for
        // seconds, with pgwarden or without it (nstat: TCPRcvQDrop, TCPTimeouts)
        try (Connection cdc = replicationConnection("cdc-service", "cdc-pw", "orders")) {
            cdc.unwrap(PGConnection.class).getReplicationAPI().createReplicationSlot().logical()
                    .withSlotName("orders_slow_slot").withOutputPlugin("pgoutput").make();
            PGReplicationStream stream = startStream(cdc, "orders_slow_slot");
            int transactions = 0;
            String stall = null;
            try (Connection owner = direct("orders_db", "orders_owner", "orders-db-pw"); Statement st = owner.createStatement()) {
                while (stall == null && transactions < MAX_SLOW_READER_TRANSACTIONS) {
                    for (int round = 0; round < 8; round++, transactions++) { // each transaction: 100 changes of 10 kB
                        int first = 10_000 + transactions * 100;
                        st.execute("INSERT INTO events SELECT i, 'bulk ' || repeat('x', 10000) FROM generate_series("
                                + first + ", " + (first + 99) + ") i");
                    }
                    try (ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()")) {
                        rs.next();
                        stall = walsenderStalledBefore("orders_slow_slot", rs.getString(1));
                    }
                }
            }
            assertNotNull(stall, "the walsender of orders_slow_slot never stalled writing to pgwarden, after "
                    + transactions + " transactions of 1 MB");
            long buffered = io.netty.buffer.PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory() - directBefore;
            // Netty's pooled allocator reserves memory in chunks of 4 MiB: one or two chunks, not the changes
            assertTrue(buffered < 16L * 1024 * 1024, "pgwarden holds " + buffered + " bytes for the CDC client, "
                    + transactions + " MB of changes written, stalled: " + stall);

            Received all = receive(stream, transactions * 100, Duration.ofSeconds(60));
            assertEquals(transactions * 100, all.bodies.size(), "every change arrives once the client reads again");
            acknowledge(stream, "orders_slow_slot", all.commitEnd);
        }
    }

    /** 192 MB of changes: far more than the socket buffers on both sides of pgwarden can hold. */
    private static final int MAX_SLOW_READER_TRANSACTIONS = 192;

    /**
     * The walsender of {@code slot}'s reading, if it is blocked writing (pgwarden stopped reading
     * it) short of {@code end}: the same reading, WalSenderWriteData at one sent_lsn, for half a
     * second ("stalled" is a reading that does not change over time). Null if none holds that long
     * within 2 s: it is still sending, or has sent everything.
     */
    private static String walsenderStalledBefore(String slot, String end) throws Exception {
        String[] held = {null};
        long[] heldSince = {0};
        return Eventually.poll(Duration.ofSeconds(2), () -> {
            String now = walsenderReading(slot, end);
            if (!now.equals(held[0])) {
                held[0] = now;
                heldSince[0] = System.nanoTime();
            }
            boolean blocked = now.startsWith("WalSenderWriteData ") && now.endsWith(" true");
            return blocked && System.nanoTime() - heldSince[0] >= Duration.ofMillis(500).toNanos() ? now : null;
        }, java.util.Objects::nonNull).orElse(null);
    }

    private static String walsenderReading(String slot, String end) throws SQLException {
        try (Connection admin = postgres.adminDataSource("postgres").getConnection(); Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("SELECT a.wait_event || ' ' || r.sent_lsn || ' ' || (r.sent_lsn < '" + end
                     + "'::pg_lsn) FROM pg_stat_activity a JOIN pg_replication_slots s ON s.active_pid = a.pid"
                     + " JOIN pg_stat_replication r ON r.pid = a.pid WHERE s.slot_name = '" + slot + "'")) {
            return rs.next() ? String.valueOf(rs.getString(1)) : "no walsender";
        }
    }

    @Test
    void aServiceWithoutReplicationIsRefusedBeforeAnyServerConnectionIsOpened() throws Exception {
        int budgetUsed = pgwarden.pool("orders").budget().used();
        SQLException refused = assertThrows(SQLException.class, () -> replicationConnection("orders-service", "orders-pw", "orders"));
        assertEquals("42501", refused.getSQLState());
        assertTrue(refused.getMessage().contains("permission denied to start WAL sender"), refused.getMessage());
        assertTrue(refused.getMessage().contains("Service \"orders-service\" may not open replication connections"),
                refused.getMessage());
        assertEquals(budgetUsed, pgwarden.pool("orders").budget().used(), "no server connection was opened for it");
    }

    @Test
    void physicalReplicationIsRefusedAndSaysWhy() {
        Properties props = new Properties();
        PGProperty.REPLICATION.set(props, "true");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "9.4");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        SQLException refused = assertThrows(SQLException.class, () -> viaPgwarden("cdc-service", "cdc-pw", "orders", props));
        assertEquals("0A000", refused.getSQLState());
        assertTrue(refused.getMessage().contains("physical replication connections are not supported by pgwarden"),
                refused.getMessage());
    }

    @Test
    void aDatabaseWhoseRoleMayNotReplicateIsUnavailableForReplicationWithoutNamingTheRole() {
        SQLException refused = assertThrows(SQLException.class, () -> replicationConnection("cdc-service", "cdc-pw", "users"));
        assertEquals("42501", refused.getSQLState());
        assertTrue(refused.getMessage().contains("database \"users\" is unavailable for replication"), refused.getMessage());
        assertTrue(!refused.getMessage().contains("users_owner"), refused.getMessage());
    }

    @Test
    void aReplicationLoginPastTheInstanceBudgetIsRefusedAndItsPlaceIsFreeAgainWhenAnotherLeaves() throws Exception {
        List<Connection> held = new ArrayList<>();
        try {
            // the budget of backend main is 4 server connections, whatever the pools hold: fill what is left
            int free = 4 - pgwarden.pool("orders").budget().used();
            for (int i = 0; i < free; i++) {
                held.add(replicationConnection("cdc-service", "cdc-pw", "orders"));
            }
            SQLException refused = assertThrows(SQLException.class, () -> replicationConnection("cdc-service", "cdc-pw", "orders"));
            assertEquals("53300", refused.getSQLState());
            assertTrue(refused.getMessage().contains("connections of the budget of backend \"main\" are in use"), refused.getMessage());
            held.remove(0).close();
            Eventually.await("the budget has room again", () -> pgwarden.pool("orders").budget().used() < 4);
            held.add(replicationConnection("cdc-service", "cdc-pw", "orders"));
        } finally {
            for (Connection connection : held) {
                connection.close();
            }
        }
    }

    @Test
    void pgRecvlogicalCreatesASlotAndReceivesAnInsertThroughPgwarden(@TempDir Path dir) throws Exception {
        Path recvlogical = Path.of("/usr/bin/pg_recvlogical");
        Assumptions.assumeTrue(Files.isExecutable(recvlogical), "skipped: pg_recvlogical not installed (postgresql-client)");
        String connection = "host=127.0.0.1 port=" + pgwarden.port() + " dbname=orders user=cdc-service";
        run(List.of(recvlogical.toString(), "-d", connection, "--slot", "orders_recvlogical", "--create-slot", "-P", "pgoutput"));
        Path out = dir.resolve("changes.bin");
        ProcessBuilder streaming = new ProcessBuilder(recvlogical.toString(), "-d", connection, "--slot", "orders_recvlogical",
                "--start", "-o", "proto_version=1", "-o", "publication_names=orders_pub", "-f", out.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("pg_recvlogical.log").toFile());
        streaming.environment().put("PGPASSWORD", "cdc-pw");
        Process receiver = streaming.start();
        try {
            Eventually.await("pg_recvlogical streams through pgwarden", () -> replicationColumnOfShowClients().size() == 1);
            insert(200);
            Eventually.await("pgoutput's insert of row 200 in pg_recvlogical's file", () -> Files.exists(out)
                    && new String(Files.readAllBytes(out), StandardCharsets.ISO_8859_1).contains("event 200"));
        } finally {
            receiver.destroy(); // SIGTERM: pg_recvlogical confirms what it wrote and leaves
            assertTrue(receiver.waitFor(10, TimeUnit.SECONDS), "pg_recvlogical ended");
        }
        Eventually.await("pg_recvlogical's replication connection is gone", () -> replicationColumnOfShowClients().isEmpty());
        run(List.of(recvlogical.toString(), "-d", connection, "--slot", "orders_recvlogical", "--drop-slot"));
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static String run(List<String> command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("PGPASSWORD", "cdc-pw");
        Process process = builder.start();
        boolean done = process.waitFor(30, TimeUnit.SECONDS);
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            process.destroyForcibly();
        }
        assertTrue(done && process.exitValue() == 0, command + " failed: " + output);
        return output;
    }

    private static Connection direct(String dbname, String user, String password) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + postgres.port() + "/" + dbname, user, password);
    }

    private static Connection viaPgwarden(String service, String password, String database, Properties extra) throws SQLException {
        Properties props = new Properties();
        props.putAll(extra);
        props.setProperty("user", service);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", "10");
        props.setProperty("socketTimeout", "30");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgwarden.port() + "/" + database, props);
    }

    /** What Debezium's connection sets: replication=database, the simple query protocol. */
    private static Connection replicationConnection(String service, String password, String database) throws SQLException {
        Properties props = new Properties();
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "9.4");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        PGProperty.APPLICATION_NAME.set(props, "cdc-test");
        return viaPgwarden(service, password, database, props);
    }

    private static PGReplicationStream startStream(Connection cdc, String slot) throws SQLException {
        return cdc.unwrap(PGConnection.class).getReplicationAPI().replicationStream().logical()
                .withSlotName(slot)
                .withSlotOption("proto_version", 1)
                .withSlotOption("publication_names", "orders_pub")
                // Debezium's default. pgjdbc reads with the status interval as its socket timeout, and a
                // timeout in the middle of a message loses its place in the stream (pgjdbc issue 3340):
                // 1 s is a pause a loaded machine or a retransmission can make
                .withStatusInterval(10, TimeUnit.SECONDS)
                .start();
    }

    private static void insert(int... ids) throws SQLException {
        try (Connection owner = direct("orders_db", "orders_owner", "orders-db-pw"); Statement st = owner.createStatement()) {
            for (int id : ids) {
                st.execute("INSERT INTO events VALUES (" + id + ", 'event " + id + "')");
            }
        }
    }

    /** The bodies of {@code count} inserted rows, in order, and the end of the last transaction's commit. */
    private record Received(List<String> bodies, LogSequenceNumber commitEnd) {
    }

    private static Received receive(PGReplicationStream stream, int count) throws Exception {
        return receive(stream, count, Eventually.DEADLINE);
    }

    private static Received receive(PGReplicationStream stream, int count, Duration within) throws Exception {
        List<String> bodies = new ArrayList<>();
        LogSequenceNumber[] commitEnd = {null};
        Eventually.await(count + " inserts and their commit", within, () -> {
            for (ByteBuffer message; (message = stream.readPending()) != null; ) {
                byte type = message.get();
                ByteBuffer body = message.slice();
                if (type == 'I') {
                    bodies.add(insertedBody(body));
                } else if (type == 'C') {
                    body.get(); // flags
                    body.getLong(); // the commit's LSN
                    commitEnd[0] = LogSequenceNumber.valueOf(body.getLong()); // the end of its record: where to resume
                }
            }
            return bodies.size() >= count && commitEnd[0] != null;
        }, Boolean.TRUE::equals);
        return new Received(bodies, commitEnd[0]);
    }

    /** pgoutput's Insert: relation id, 'N', then the new tuple: column count, each 't' + length + text. */
    private static String insertedBody(ByteBuffer insert) {
        insert.getInt(); // relation
        insert.get(); // 'N'
        short columns = insert.getShort();
        String last = null;
        for (int i = 0; i < columns; i++) {
            byte kind = insert.get();
            if (kind == 't') {
                byte[] text = new byte[insert.getInt()];
                insert.get(text);
                last = new String(text, StandardCharsets.UTF_8);
            }
        }
        return last; // body is the last column
    }

    /** Tells PostgreSQL the changes up to {@code lsn} are safe, and waits until the slot has recorded it. */
    private static void acknowledge(PGReplicationStream stream, String slot, LogSequenceNumber lsn) throws Exception {
        stream.setAppliedLSN(lsn);
        stream.setFlushedLSN(lsn);
        stream.forceUpdateStatus();
        Eventually.await("slot " + slot + " confirmed " + lsn, () -> {
            try (Connection admin = postgres.adminDataSource("postgres").getConnection(); Statement st = admin.createStatement();
                 ResultSet rs = st.executeQuery("SELECT confirmed_flush_lsn >= '" + lsn.asString()
                         + "'::pg_lsn FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
                return rs.next() && rs.getBoolean(1);
            }
        });
    }

    /** The replication column of SHOW CLIENTS, for the clients that are replication clients. */
    private static List<String> replicationColumnOfShowClients() throws SQLException {
        return replicationColumnOf("SHOW CLIENTS");
    }

    /** {@code SHOW CLIENTS} or {@code SHOW SERVERS}: the replication rows, as "replication", or for servers "replication user application_name". */
    private static List<String> replicationColumnOf(String show) throws SQLException {
        Properties props = new Properties();
        props.setProperty("preferQueryMode", "simple");
        List<String> values = new ArrayList<>();
        try (Connection console = viaPgwarden("ops", "ops-pw", "pgwarden", props); Statement st = console.createStatement();
             ResultSet rs = st.executeQuery(show)) {
            while (rs.next()) {
                if (!"none".equals(rs.getString("replication"))) {
                    values.add(show.equals("SHOW SERVERS") ? rs.getString("replication") + " " + rs.getString("user") + " "
                            + rs.getString("application_name") : rs.getString("replication"));
                }
            }
        }
        return values;
    }

    private static double replicationGauge(String database) {
        return pgwarden.observability().registry().find("pgwarden.replication.connections").tag("database", database)
                .gauge().value();
    }
}
