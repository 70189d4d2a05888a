package io.pgwarden.fleet;

import io.pgwarden.DelayingForwarder;
import io.pgwarden.Eventually;
import io.pgwarden.RawPgClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.jdbc.PgStatement;

import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three replicas of pgwarden in front of one PostgreSQL, as a Service would spread them: a
 * CancelRequest that reaches a replica other than the client's is forwarded, once, and cancels the
 * query; a forged key cancels nothing and is counted.
 */
class FleetCancelIT {

    static final String CONFIG = """
            listen: {host: 127.0.0.1, port: "${PORT}"}
            backends:
              main: {host: 127.0.0.1, port: "${PG_PORT}", admin_user: postgres, sample_interval: 200ms}
              # the same PostgreSQL behind a forwarder that holds every CancelRequest back for a while
              slow_cancels: {host: 127.0.0.1, port: "${SLOW_CANCELS_PORT}", admin_user: postgres, sample_interval: 200ms}
            pool: {query_wait_timeout: 10s}
            databases:
              app:    {backend: main, dbname: app_db, user: app_owner, password: app-db-pw, pool_size: 12}
              app_tx: {backend: main, dbname: app_db, user: app_owner, password: app-db-pw, pool_mode: transaction, pool_size: 6}
              app_slow_cancels: {backend: slow_cancels, dbname: app_db, user: app_owner, password: app-db-pw, pool_size: 2}
            services:
              app-service: {password: app-pw, databases: [app, app_tx]}
              raw-service: {password: raw-pw, auth: md5, databases: [app, app_tx, app_slow_cancels]}
            fleet:
              replica_id: "${REPLICA}"
              expected_replicas: 3
              peers: ["127.0.0.1:${PEER0}", "127.0.0.1:${PEER1}", "127.0.0.1:${PEER2}"]
              peer_refresh_interval: 1s
            """;

    private static final long CANCEL_DELAY_MILLIS = 1500;

    private static LocalFleet fleet;
    private static DelayingForwarder slowCancels;

    @BeforeAll
    static void start() throws Exception {
        fleet = LocalFleet.start(CONFIG, Map.of(), postgresPort -> {
            try {
                slowCancels = new DelayingForwarder(postgresPort, CANCEL_DELAY_MILLIS);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return Map.of("SLOW_CANCELS_PORT", String.valueOf(slowCancels.port()));
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
        if (slowCancels != null) {
            slowCancels.close();
        }
    }

    /** A client logged in to one replica, with the cancel key that replica gave it. */
    private record Client(RawPgClient raw, int processId, int secret) {
    }

    private static Client login(int replica, String database) throws Exception {
        RawPgClient raw = new RawPgClient(fleet.port(replica));
        raw.send(RawPgClient.startupPacket(3 << 16, "user", "raw-service", "database", database));
        RawPgClient.Message request = raw.read();
        byte[] salt = java.util.Arrays.copyOfRange(request.body(), 4, 8);
        raw.send(RawPgClient.typed('p', RawPgClient.cString(io.pgwarden.auth.Md5Password.response("raw-pw", "raw-service", salt))));
        RawPgClient.Message key = raw.readUntil('K');
        raw.readUntil('Z');
        return new Client(raw, key.intAt(0), key.intAt(4));
    }

    private static void sendCancel(int replica, int processId, int secret) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", fleet.port(replica))) {
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(16);
            out.writeInt(80877102);
            out.writeInt(processId);
            out.writeInt(secret);
            out.flush();
            assertEquals(-1, socket.getInputStream().read(), "a cancel is answered with nothing but the close");
        }
    }

    private static double cancels(int replica, String result) {
        return fleet.metrics(replica).value("pgwarden_cancel_requests_total", Map.of("result", result));
    }

    private static void awaitRunning(String sql) throws Exception {
        awaitRunning(sql, new CompletableFuture<>());
    }

    /** Until PostgreSQL runs {@code sql}, or {@code execution} ended without (its outcome then tells why). */
    private static void awaitRunning(String sql, CompletableFuture<String> execution) throws Exception {
        try (Connection admin = fleet.admin(); PreparedStatement st = admin.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = ?")) {
            st.setString(1, sql);
            Eventually.await("PostgreSQL to run " + sql, () -> {
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    return rs.getInt(1) == 1 || execution.isDone();
                }
            }, running -> running);
        }
    }

    @Test
    void aCancelSentToEitherOtherReplicaCancelsTheQueryInBothPoolModes() throws Exception {
        for (String database : List.of("app", "app_tx")) {
            for (int owner = 0; owner < LocalFleet.SIZE; owner++) {
                for (int receiver = 0; receiver < LocalFleet.SIZE; receiver++) {
                    if (receiver == owner) {
                        continue;
                    }
                    double forwardedBefore = cancels(receiver, "forwarded");
                    double localBefore = cancels(owner, "local");
                    Client client = login(owner, database);
                    try {
                        String sql = "SELECT pg_sleep(10) /* " + database + " owner " + owner + " receiver " + receiver + " */";
                        client.raw().query(sql);
                        awaitRunning(sql);
                        sendCancel(receiver, client.processId(), client.secret());
                        RawPgClient.Message error = client.raw().readUntil('E');
                        assertEquals("57014", error.fields().get('C'), database + ": " + error.fields());
                        assertEquals("canceling statement due to user request", error.fields().get('M'));
                        client.raw().readUntil('Z');
                    } finally {
                        client.raw().close();
                    }
                    assertEquals(forwardedBefore + 1, cancels(receiver, "forwarded"));
                    assertEquals(localBefore + 1, cancels(owner, "local"));
                }
            }
        }
    }

    /**
     * pgjdbc goes on with its next query once its cancel connection closes, so that connection must
     * close only once PostgreSQL has the cancel, or the cancel can land on the next query. A cancel
     * forwarded to the replica that issued the key is no exception: the replica that took it waits
     * for the owner, which waits for PostgreSQL.
     */
    @Test
    void aForwardedCancelsConnectionClosesOnlyOnceTheCancelHasReachedPostgres() throws Exception {
        Client client = login(1, "app_slow_cancels");
        try {
            String sql = "SELECT pg_sleep(30) /* cancelled slowly, from another replica */";
            client.raw().query(sql);
            awaitRunning(sql);
            int reachedBefore = slowCancels.cancelsForwarded();
            sendCancel(0, client.processId(), client.secret()); // returns when replica 0 closes the connection
            assertEquals(reachedBefore + 1, slowCancels.cancelsForwarded(),
                    "the client's cancel connection closed before its cancel reached PostgreSQL");
            RawPgClient.Message error = client.raw().readUntil('E');
            assertEquals("57014", error.fields().get('C'), error.fields().toString());
            client.raw().readUntil('Z');
        } finally {
            client.raw().close();
        }
    }

    @Test
    void aForgedKeyCancelsNothingAndIsCountedByTheReplicaItNames() throws Exception {
        Client client = login(0, "app");
        try {
            String sql = "SELECT 'finished' FROM pg_sleep(1) /* not to be cancelled */";
            client.raw().query(sql);
            awaitRunning(sql);
            double unknownBefore = cancels(0, "unknown_key");
            double notMineBefore = cancels(2, "not_mine");
            sendCancel(1, client.processId(), client.secret() ^ 0x10); // replica 0's bits, another secret
            Eventually.await("replica 0 to count the forged key", () -> cancels(0, "unknown_key"), n -> n == unknownBefore + 1);
            Eventually.await("replica 2 to drop the forward as not its own", () -> cancels(2, "not_mine"), n -> n == notMineBefore + 1);
            RawPgClient.Message row = client.raw().readUntil('D');
            assertTrue(new String(row.body(), java.nio.charset.StandardCharsets.UTF_8).contains("finished"));
            client.raw().readUntil('Z');
        } finally {
            client.raw().close();
        }
    }

    /*
     * pgjdbc through a round-robin front: each cancel goes out on a new connection, which HAProxy gives
     * to the next replica: two in three land on a replica that did not issue the key.
     */
    @Test
    void statementCancelAndQueryTimeoutWorkAHundredTimesOutOfAHundredThroughTheFront() throws Exception {
        Assumptions.assumeTrue(fleet.startFront(), "skipped: haproxy is not installed (apt-get install haproxy)");
        int clients = 5;
        int rounds = 20;
        double forwardedBefore = 0;
        for (int i = 0; i < LocalFleet.SIZE; i++) {
            forwardedBefore += cancels(i, "forwarded");
        }
        ExecutorService threads = Executors.newFixedThreadPool(clients * 2);
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                String database = c % 2 == 0 ? "app" : "app_tx";
                int id = c;
                results.add(threads.submit(() -> cancelRounds(threads, database, id, rounds)));
            }
            List<String> outcomes = new ArrayList<>();
            for (Future<List<String>> result : results) {
                outcomes.addAll(result.get(120, TimeUnit.SECONDS));
            }
            assertEquals(clients * rounds * 2, outcomes.size());
            List<String> failed = outcomes.stream().filter(o -> !o.endsWith("57014")).toList();
            assertEquals(List.of(), failed, "every cancel and every timeout gave 57014");
        } finally {
            threads.shutdownNow();
        }
        double forwarded = -forwardedBefore;
        for (int i = 0; i < LocalFleet.SIZE; i++) {
            forwarded += cancels(i, "forwarded");
        }
        assertTrue(forwarded > 0, "some cancels reached another replica and were forwarded");
        System.out.printf("fleet cancel through HAProxy: %d cancels, %.0f forwarded between replicas%n", clients * rounds * 2,
                forwarded);
    }

    /** {@code rounds} of Statement.cancel() and of setQueryTimeout on one connection through the front; each outcome names its SQLSTATE. */
    private static List<String> cancelRounds(ExecutorService threads, String database, int client, int rounds) throws Exception {
        List<String> outcomes = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + fleet.frontPort() + "/" + database
                + "?connectTimeout=10&socketTimeout=60", "app-service", "app-pw");
             Statement statement = c.createStatement()) {
            for (int round = 0; round < rounds; round++) {
                String sql = "SELECT pg_sleep(10) /* client " + client + " round " + round + " */";
                CompletableFuture<String> running = CompletableFuture.supplyAsync(() -> sqlState(statement, sql), threads);
                // (a query that ends before it is seen running reports how: a late cancel of pgjdbc's timer from the
                // round before, which a direct connection can see too, ends it with 57014)
                awaitRunning(sql, running);
                statement.cancel();
                outcomes.add("cancel " + sql + ": " + running.get(15, TimeUnit.SECONDS));
                statement.unwrap(PgStatement.class).setQueryTimeoutMs(200);
                outcomes.add("timeout " + sql + ": " + sqlState(statement, sql));
                statement.setQueryTimeout(0);
            }
        }
        return outcomes;
    }

    private static String sqlState(Statement statement, String sql) {
        try {
            statement.execute(sql);
            return "finished";
        } catch (SQLException e) {
            return e.getSQLState();
        }
    }

    static int intAt(byte[] body, int offset) {
        return ByteBuffer.wrap(body, offset, 4).getInt();
    }
}
