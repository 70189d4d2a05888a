package io.pgwarden.pool;

import io.pgwarden.DelayingForwarder;
import io.pgwarden.Eventually;
import io.pgwarden.Pgwarden;
import io.pgwarden.TestPlatform;
import io.pgwarden.config.ConfigLoader;
import io.pgwarden.config.PgwardenConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cancel that is slow to reach PostgreSQL must not cancel the next client's query on the same
 * server. PostgreSQL's cancel names a backend, not a query: pgwarden must not hand the server to
 * anyone while a cancel for it is still on its way. The backend sits behind a forwarder that holds
 * every CancelRequest back for two seconds.
 */
class LateCancelIT {

    private static final long CANCEL_DELAY_MILLIS = 2000;

    private static TestPlatform platform;
    private static DelayingForwarder forwarder;
    private static Pgwarden pgwarden;

    @BeforeAll
    static void start() throws Exception {
        platform = TestPlatform.start(); // PostgreSQL, provisioned
        forwarder = new DelayingForwarder(platform.postgres().port(), CANCEL_DELAY_MILLIS);
        Map<String, String> env = Map.of(
                "PG_PORT", String.valueOf(forwarder.port()),
                "ORDERS_VERIFIER", io.pgwarden.auth.ScramVerifier.fromPassword("orders-pw").encode());
        PgwardenConfig config = ConfigLoader.parse(TestPlatform.CONFIG, "late-cancel.yaml", env::get);
        pgwarden = new Pgwarden(config).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (pgwarden != null) {
            pgwarden.close();
        }
        if (forwarder != null) {
            forwarder.close();
        }
        if (platform != null) {
            platform.close();
        }
    }

    private static Connection connect(String service, String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", service);
        props.setProperty("password", TestPlatform.PASSWORDS.get(service));
        props.setProperty("socketTimeout", "30");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgwarden.port() + "/" + database, props);
    }

    /**
     * Client A's query ends on its own while A's cancel is still on its way, and A leaves; client B,
     * waiting for the pool's only server, then runs a long query on it. The cancel lands during B's
     * query: B's query must not be the one cancelled.
     */
    @ParameterizedTest(name = "{0} mode")
    @CsvSource({"session, users-service, users", "transaction, orders-service, orders_tx1"})
    void aCancelStillOnItsWayWhenItsClientLeavesNeverCancelsTheNextClientsQuery(String mode, String service, String database)
            throws Exception {
        int cancelsBefore = forwarder.cancelsForwarded();
        Connection b = null;
        CompletableFuture<Connection> bConnects;
        try (Connection a = connect(service, database)) {
            Statement statement = a.createStatement();
            CompletableFuture<SQLException> aQuery = CompletableFuture.supplyAsync(() -> {
                try {
                    statement.execute("SELECT pg_sleep(0.6) /* query_of_A */");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            Eventually.await("A's query runs", () -> running("query_of_A"), n -> n > 0);
            // B waits for the pool's only server (session mode: from its login on)
            bConnects = CompletableFuture.supplyAsync(() -> {
                try {
                    return connect(service, database);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            statement.cancel(); // held back by the forwarder: A's query ends before the cancel arrives
            assertEquals(null, aQuery.get(10, TimeUnit.SECONDS), "A's query ended on its own; the cancel was still held back");
        } // A leaves
        try {
            b = bConnects.get(20, TimeUnit.SECONDS);
            long started = System.nanoTime();
            try (Statement st = b.createStatement()) {
                // runs while the held-back cancel reaches PostgreSQL (unless pgwarden waited for it)
                st.execute("SELECT pg_sleep(2.5) /* query_of_B */");
            } catch (SQLException e) {
                throw new AssertionError("B's query was hit by A's late cancel after "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms: " + e.getSQLState() + " " + e.getMessage(), e);
            }
            assertTrue(forwarder.cancelsForwarded() > cancelsBefore, "the cancel did reach PostgreSQL");
        } finally {
            if (b != null) {
                b.close();
            }
        }
    }

    /**
     * A client's query ends on its own while its cancel is still on its way; the client then runs its
     * next query on the same server. pgjdbc waits for its cancel connection to close before it goes
     * on, so pgwarden must close it only once PostgreSQL has the cancel (as PostgreSQL does): then the
     * cancel lands while the backend is idle and is ignored, never on the next query (pgjdbc's
     * StatementTest.shortQueryTimeout and fastCloses).
     */
    @ParameterizedTest(name = "{0} mode")
    @CsvSource({"session, users-service, users", "transaction, orders-service, orders_tx1"})
    void aLateCancelNeverCancelsTheSameClientsNextQuery(String mode, String service, String database) throws Exception {
        int cancelsBefore = forwarder.cancelsForwarded();
        try (Connection c = connect(service, database); Statement first = c.createStatement();
             Statement next = c.createStatement()) {
            CompletableFuture<SQLException> query = CompletableFuture.supplyAsync(() -> {
                try {
                    first.execute("SELECT pg_sleep(0.6) /* query_to_cancel */");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            Eventually.await("the query runs", () -> running("query_to_cancel"), n -> n > 0);
            first.cancel(); // returns once pgwarden closes the cancel connection
            assertEquals(null, query.get(10, TimeUnit.SECONDS), "the query ended on its own; the cancel was held back");
            assertTrue(forwarder.cancelsForwarded() > cancelsBefore, "pgjdbc went on only after the cancel reached PostgreSQL");
            long started = System.nanoTime();
            try {
                next.execute("SELECT pg_sleep(2.5) /* next_query */");
            } catch (SQLException e) {
                throw new AssertionError("the next query was hit by the late cancel after "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms: " + e.getSQLState() + " " + e.getMessage(), e);
            }
        }
    }

    private static int running(String marker) throws SQLException {
        try (Connection admin = platform.admin(); Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%"
                     + marker + "%' AND pid <> pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
