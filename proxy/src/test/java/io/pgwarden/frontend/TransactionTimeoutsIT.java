package io.pgwarden.frontend;

import io.pgwarden.Eventually;
import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** query_timeout, idle_transaction_timeout, client_idle_timeout and pinned_idle_timeout in transaction mode. */
@WithPlatform({"TX_QUERY_TIMEOUT=1s", "TX_IDLE_TRANSACTION_TIMEOUT=1500ms", "TX_CLIENT_IDLE_TIMEOUT=2500ms",
        "TX_PINNED_IDLE_TIMEOUT=2500ms"})
class TransactionTimeoutsIT {

    private static TestPlatform platform;

    @BeforeAll
    static void start() throws Exception {
        try (Connection c = platform.connect("orders-service", "orders"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS idle_tx (note text)");
        }
    }

    private static Connection tx() throws SQLException {
        return platform.connect("orders-service", "orders_tx");
    }

    @Test
    void aQueryRunningPastQueryTimeoutIsCancelledWith57014() throws SQLException {
        try (Connection c = tx(); Statement st = c.createStatement()) {
            long start = System.nanoTime();
            SQLException e = assertThrows(SQLException.class, () -> st.execute("SELECT pg_sleep(10)"));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals("57014", e.getSQLState());
            assertTrue(millis >= 900 && millis < 4000, "cancelled after " + millis + " ms");
            try (ResultSet rs = st.executeQuery("SELECT 1")) {
                assertTrue(rs.next(), "the client goes on");
            }
        }
    }

    /*
     * Fails if the idle transaction is never ended (neither rolled back in PostgreSQL nor its client
     * disconnected within the deadline), if it ends before about idle_transaction_timeout, or if the
     * insert survives.
     */
    @Test
    void aClientIdleInsideATransactionIsDisconnectedAndRolledBack() throws Exception {
        try (Connection console = platform.console(); Statement admin = console.createStatement()) {
            try (Connection c = tx(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("INSERT INTO idle_tx VALUES ('abandoned')");
                long idleSince = System.nanoTime();
                assertEquals(1, idleInTransaction(), "the transaction is open in PostgreSQL");
                Eventually.await("the idle transaction to be rolled back and its client disconnected",
                        () -> idleInTransaction() == 0 && TestPlatform.poolCount(admin, "orders_tx", "cl_active") == 0);
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - idleSince);
                assertTrue(millis >= 1000, "ended after " + millis + " ms, idle_transaction_timeout is 1500 ms");
                SQLException e = assertThrows(SQLException.class, () -> st.execute("SELECT 1"));
                assertTrue(e.getSQLState().equals("25P03") || e.getSQLState().startsWith("08"), e.getSQLState() + " " + e.getMessage());
            }
        }
        try (Connection c = tx(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM idle_tx")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "rolled back");
        }
    }

    /** Backends of orders_db idle inside a transaction whose last query was the abandoned insert. */
    private static int idleInTransaction() throws SQLException {
        try (Connection admin = platform.admin(); Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = 'orders_db'"
                     + " AND state = 'idle in transaction' AND query LIKE 'INSERT INTO idle_tx%'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /*
     * busy runs a query every 20 ms while idle runs none: fails if idle is never disconnected, if it
     * is disconnected before about client_idle_timeout, or if busy is disconnected too.
     */
    @Test
    void anIdleClientIsDisconnectedAfterClientIdleTimeoutButABusyOneIsNot() throws Exception {
        try (Connection console = platform.console(); Statement admin = console.createStatement();
             Connection busy = tx(); Statement bs = busy.createStatement(); Connection idle = tx(); Statement is = idle.createStatement()) {
            long connected = System.nanoTime();
            Eventually.await("both clients in SHOW POOLS", () -> TestPlatform.poolCount(admin, "orders_tx", "cl_active") == 2);
            Eventually.await("the idle client to be disconnected while the busy one keeps querying", () -> {
                bs.execute("SELECT 1");
                return TestPlatform.poolCount(admin, "orders_tx", "cl_active") == 1;
            });
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connected);
            assertTrue(millis >= 2000, "disconnected after " + millis + " ms, client_idle_timeout is 2500 ms");
            SQLException e = assertThrows(SQLException.class, () -> is.execute("SELECT 1"));
            assertTrue(e.getSQLState().equals("57P05") || e.getSQLState().startsWith("08"), e.getSQLState() + " " + e.getMessage());
            bs.execute("SELECT 1");
        }
    }

    /*
     * A pinned client holds a server while idle, so client_idle_timeout (between transactions) does
     * not see it: pinned_idle_timeout ends it. Fails if it is never disconnected, if it is before
     * about pinned_idle_timeout, or with another SQLSTATE than the idle-session timeout's.
     */
    @Test
    void aPinnedClientIdleOutsideATransactionIsDisconnectedAfterPinnedIdleTimeout() throws Exception {
        try (Connection console = platform.console(); Statement admin = console.createStatement();
             io.pgwarden.RawPgClient pinned = rawClient()) {
            pinned.query("SET lock_timeout = '9s'");
            pinned.readUntil('Z');
            long idleSince = System.nanoTime();
            assertEquals(1, TestPlatform.poolCount(admin, "orders_tx", "sv_active"), "pinned: it keeps its server while idle");
            io.pgwarden.RawPgClient.Message error = pinned.readUntil('E');
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - idleSince);
            assertEquals("57P05", error.fields().get('C'), error.fields().toString());
            assertTrue(error.fields().get('M').contains("pinned_idle_timeout"), error.fields().toString());
            assertTrue(millis >= 2000, "ended after " + millis + " ms, pinned_idle_timeout is 2500 ms");
            Eventually.await("its server to be reset and free", () -> TestPlatform.poolCount(admin, "orders_tx", "sv_active") == 0);
        }
    }

    private static io.pgwarden.RawPgClient rawClient() throws java.io.IOException {
        io.pgwarden.RawPgClient client = new io.pgwarden.RawPgClient(platform.pgwarden().port());
        client.socket().setSoTimeout(10_000);
        client.loginMd5("md5-service", "md5-pw", "orders_tx");
        return client;
    }

    /** Reads up to the FATAL that ends the client, and checks the close after it. */
    private static void assertEndedWithIdleTimeout(io.pgwarden.RawPgClient client, long sinceNanos) throws Exception {
        io.pgwarden.RawPgClient.Message error = client.readUntil('E');
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNanos);
        assertEquals("25P03", error.fields().get('C'), error.fields().toString());
        assertTrue(millis >= 1000, "ended after " + millis + " ms, idle_transaction_timeout is 1500 ms");
        assertTrue(client.closedByServer());
        try (Connection console = platform.console(); Statement admin = console.createStatement()) {
            Eventually.await("its server free again", () -> TestPlatform.poolCount(admin, "orders_tx", "sv_active") == 0);
        }
    }

    /* An Execute answered but never followed by Sync leaves PostgreSQL inside an implicit transaction, waiting. */
    @Test
    void aClientThatNeverSendsSyncIsEndedAfterIdleTransactionTimeout() throws Exception {
        try (io.pgwarden.RawPgClient client = rawClient()) {
            client.send(io.pgwarden.RawPgClient.parse("", "select 1"), io.pgwarden.RawPgClient.bind(""),
                    io.pgwarden.RawPgClient.execute(), io.pgwarden.RawPgClient.typed('H', new byte[0]));
            long since = System.nanoTime();
            assertEquals('1', client.read().type());
            assertEquals('2', client.read().type());
            assertEquals('D', client.read().type());
            assertEquals('C', client.read().type());
            assertEndedWithIdleTimeout(client, since);
        }
    }

    @Test
    void aClientThatStopsSendingCopyDataIsEndedButOneThatKeepsSendingIsNot() throws Exception {
        try (io.pgwarden.RawPgClient slow = rawClient(); io.pgwarden.RawPgClient stuck = rawClient()) {
            for (io.pgwarden.RawPgClient client : java.util.List.of(slow, stuck)) {
                client.query("copy idle_tx from stdin");
                assertEquals('G', client.read().type());
            }
            long since = System.nanoTime();
            for (int i = 0; i < 12; i++) { // 3 s of data, 250 ms apart: well past the 1.5 s timeout
                slow.send(io.pgwarden.RawPgClient.typed('d', ("row " + i + "\n").getBytes()));
                Thread.sleep(250);
            }
            slow.send(io.pgwarden.RawPgClient.typed('c', new byte[0]));
            assertEquals("CZ", slow.typesUntilReady(null), "the slow but steady COPY completes");
            assertEndedWithIdleTimeout(stuck, since);
        }
        try (Connection c = tx(); Statement st = c.createStatement()) {
            st.execute("DELETE FROM idle_tx");
        }
    }
}
