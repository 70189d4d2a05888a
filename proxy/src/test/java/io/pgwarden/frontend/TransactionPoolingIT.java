package io.pgwarden.frontend;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.StringReader;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transaction pooling that JDBC services use unchanged: many clients share a few server
 * connections, with prepared statements, batches, savepoints, COPY and settings that keep working.
 * orders_tx has 5 server connections, orders_tx1 only one.
 */
@WithPlatform
class TransactionPoolingIT {

    private static TestPlatform platform;

    @BeforeAll
    static void start() throws Exception {
        try (Connection c = platform.connect("orders-service", "orders"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS accounts (id int PRIMARY KEY, balance bigint NOT NULL)");
            st.execute("CREATE TABLE IF NOT EXISTS transfers (id bigserial PRIMARY KEY, src int, dst int, amount bigint)");
            st.execute("CREATE TABLE IF NOT EXISTS batch_rows (id int PRIMARY KEY, note text)");
        }
    }

    private static Connection tx(Properties props) throws SQLException {
        return platform.connect("orders-service", TestPlatform.PASSWORDS.get("orders-service"), "orders_tx", props);
    }

    private static Connection tx() throws SQLException {
        return tx(new Properties());
    }

    @ParameterizedTest(name = "prepareThreshold={0}")
    @ValueSource(ints = {0, 1, 5, -1})
    void aHundredClientsOnFiveServersKeepTheirPreparedStatements(int prepareThreshold) throws Exception {
        Properties props = new Properties();
        props.setProperty("prepareThreshold", String.valueOf(prepareThreshold));
        int clients = 100;
        int executions = 120;
        ExecutorService executor = Executors.newFixedThreadPool(clients);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int clientNo = c;
                results.add(executor.submit(() -> {
                    int checked = 0;
                    try (Connection conn = tx(props);
                         PreparedStatement add = conn.prepareStatement("SELECT ?::int + ?::int");
                         PreparedStatement text = conn.prepareStatement("SELECT 'client ' || ?::text || ' run ' || ?::text")) {
                        for (int i = 0; i < executions; i++) {
                            add.setInt(1, clientNo);
                            add.setInt(2, i);
                            try (ResultSet rs = add.executeQuery()) {
                                rs.next();
                                assertEquals(clientNo + i, rs.getInt(1));
                            }
                            text.setString(1, String.valueOf(clientNo));
                            text.setString(2, String.valueOf(i));
                            try (ResultSet rs = text.executeQuery()) {
                                rs.next();
                                assertEquals("client " + clientNo + " run " + i, rs.getString(1));
                            }
                            checked += 2;
                        }
                    }
                    return checked;
                }));
            }
            int total = 0;
            for (Future<Integer> result : results) {
                total += result.get(120, TimeUnit.SECONDS);
            }
            assertEquals(clients * executions * 2, total);
        } finally {
            executor.shutdownNow();
        }
        assertTrue(platform.pgwarden().pool("orders_tx").stats().open() <= 5);
    }

    @Test
    void aThousandRowBatchAndAFailedTransactionAndSavepoints() throws SQLException {
        try (Connection c = tx(); Statement st = c.createStatement()) {
            st.execute("TRUNCATE batch_rows");
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO batch_rows VALUES (?, ?)")) {
                for (int i = 0; i < 1000; i++) {
                    insert.setInt(1, i);
                    insert.setString(2, "row " + i);
                    insert.addBatch();
                }
                int[] counts = insert.executeBatch();
                assertEquals(1000, counts.length);
            }
            c.commit();
            assertEquals(1000, count(st, "SELECT count(*) FROM batch_rows"));

            st.execute("INSERT INTO batch_rows VALUES (5000, 'doomed')");
            SQLException duplicate = assertThrows(SQLException.class, () -> st.execute("INSERT INTO batch_rows VALUES (1, 'dup')"));
            assertEquals("23505", duplicate.getSQLState());
            assertEquals("25P02", assertThrows(SQLException.class, () -> st.execute("SELECT 1")).getSQLState());
            c.rollback();
            assertEquals(0, count(st, "SELECT count(*) FROM batch_rows WHERE id = 5000"));

            st.execute("INSERT INTO batch_rows VALUES (6000, 'kept')");
            Savepoint savepoint = c.setSavepoint();
            st.execute("INSERT INTO batch_rows VALUES (6001, 'rolled back to savepoint')");
            c.rollback(savepoint);
            st.execute("INSERT INTO batch_rows VALUES (6002, 'kept too')");
            c.commit();
            assertEquals(2, count(st, "SELECT count(*) FROM batch_rows WHERE id >= 6000"));

            try (PreparedStatement insert = c.prepareStatement("INSERT INTO batch_rows VALUES (?, ?)")) {
                insert.setInt(1, 7000);
                insert.setString(2, "a");
                insert.addBatch();
                insert.setInt(1, 7000);
                insert.setString(2, "duplicate in the batch");
                insert.addBatch();
                assertThrows(BatchUpdateException.class, insert::executeBatch);
            }
            c.rollback();
            assertEquals(0, count(st, "SELECT count(*) FROM batch_rows WHERE id = 7000"));
            c.setAutoCommit(true);
        }
    }

    @Test
    void copyAndStreamedResultsInsideATransaction() throws Exception {
        try (Connection c = tx(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS tx_copy (id int)");
            st.execute("TRUNCATE tx_copy");
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            StringBuilder rows = new StringBuilder();
            for (int i = 0; i < 10_000; i++) {
                rows.append(i).append('\n');
            }
            assertEquals(10_000, copy.copyIn("COPY tx_copy FROM STDIN", new StringReader(rows.toString())));
            c.setAutoCommit(false);
            try (Statement streaming = c.createStatement()) {
                streaming.setFetchSize(100); // a portal read 100 rows at a time, inside the transaction
                long sum = 0;
                int n = 0;
                try (ResultSet rs = streaming.executeQuery("SELECT id FROM tx_copy ORDER BY id")) {
                    while (rs.next()) {
                        sum += rs.getInt(1);
                        n++;
                    }
                }
                assertEquals(10_000, n);
                assertEquals(9_999L * 10_000 / 2, sum);
            }
            c.commit();
        }
    }

    @Test
    void bankTransfersWithHikariKeepTheBooksBalanced() throws Exception {
        int accounts = 20;
        try (Connection c = tx(); Statement st = c.createStatement()) {
            st.execute("TRUNCATE accounts, transfers");
            st.execute("INSERT INTO accounts SELECT g, 1000 FROM generate_series(1, " + accounts + ") g");
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(platform.jdbcUrl("orders_tx"));
        config.setUsername("orders-service");
        config.setPassword(TestPlatform.PASSWORDS.get("orders-service"));
        config.setMaximumPoolSize(50);
        config.setMinimumIdle(50);
        config.setAutoCommit(false);
        AtomicInteger committed = new AtomicInteger();
        try (HikariDataSource pool = new HikariDataSource(config)) {
            ExecutorService executor = Executors.newFixedThreadPool(50);
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < 50; w++) {
                long seed = w;
                workers.add(executor.submit(() -> {
                    Random random = new Random(seed);
                    for (int i = 0; i < 40; i++) {
                        int src = 1 + random.nextInt(accounts);
                        int dst = 1 + random.nextInt(accounts);
                        if (src == dst) {
                            continue;
                        }
                        try (Connection conn = pool.getConnection()) {
                            transfer(conn, Math.min(src, dst), Math.max(src, dst), src < dst ? 7 : -7);
                            committed.incrementAndGet();
                        } catch (SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(120, TimeUnit.SECONDS);
            }
            executor.shutdown();
        }
        try (Connection c = tx(); Statement st = c.createStatement()) {
            assertEquals(accounts * 1000L, count(st, "SELECT sum(balance) FROM accounts"));
            assertEquals(committed.get(), count(st, "SELECT count(*) FROM transfers"));
        }
    }

    /** Locks both rows in id order, moves the money, and records the transfer: one transaction. */
    private static void transfer(Connection conn, int low, int high, long amountFromLowToHigh) throws SQLException {
        try (PreparedStatement lock = conn.prepareStatement("SELECT balance FROM accounts WHERE id IN (?, ?) ORDER BY id FOR UPDATE");
             PreparedStatement move = conn.prepareStatement("UPDATE accounts SET balance = balance + ? WHERE id = ?");
             PreparedStatement record = conn.prepareStatement("INSERT INTO transfers (src, dst, amount) VALUES (?, ?, ?)")) {
            lock.setInt(1, low);
            lock.setInt(2, high);
            lock.executeQuery().close();
            move.setLong(1, -amountFromLowToHigh);
            move.setInt(2, low);
            move.executeUpdate();
            move.setLong(1, amountFromLowToHigh);
            move.setInt(2, high);
            move.executeUpdate();
            record.setInt(1, low);
            record.setInt(2, high);
            record.setLong(3, amountFromLowToHigh);
            record.executeUpdate();
            conn.commit();
        } catch (SQLException e) {
            conn.rollback();
            throw e;
        }
    }

    @Test
    void twoClientsSharingOneServerEachSeeTheirOwnSettings() throws Exception {
        Properties berlin = new Properties();
        berlin.setProperty("ApplicationName", "berlin-app");
        berlin.setProperty("options", "-c TimeZone=Europe/Berlin -c statement_timeout=1234");
        Properties tokyo = new Properties();
        tokyo.setProperty("ApplicationName", "tokyo-app");
        tokyo.setProperty("options", "-c TimeZone=Asia/Tokyo");
        try (Connection b = platform.connect("orders-service", "orders-pw", "orders_tx1", berlin);
             Connection t = platform.connect("orders-service", "orders-pw", "orders_tx1", tokyo);
             Statement bs = b.createStatement(); Statement ts = t.createStatement()) {
            for (int i = 0; i < 5; i++) {
                assertEquals("Europe/Berlin", single(bs, "SHOW TimeZone"));
                assertEquals("berlin-app", single(bs, "SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()"));
                assertEquals("1234ms", single(bs, "SHOW statement_timeout"));
                assertEquals("Asia/Tokyo", single(ts, "SHOW TimeZone"));
                assertEquals("tokyo-app", single(ts, "SHOW application_name"));
                assertEquals("0", single(ts, "SHOW statement_timeout"));
            }
            bs.execute("SET TimeZone = 'America/New_York'"); // a SET the server reports: it follows the client
            assertEquals("Asia/Tokyo", single(ts, "SHOW TimeZone"));
            assertEquals("America/New_York", single(bs, "SHOW TimeZone"));
            int pidB = Integer.parseInt(single(bs, "SELECT pg_backend_pid()"));
            int pidT = Integer.parseInt(single(ts, "SELECT pg_backend_pid()"));
            assertEquals(pidB, pidT, "one server connection for both");
        }
    }

    @Test
    void aNewClientDoesNotInheritSettingsAnotherClientLeftOnItsServer() throws SQLException {
        try (Connection first = platform.connect("orders-service", "orders-pw", "orders_tx1", new Properties());
             Statement st = first.createStatement()) {
            st.execute("SET default_transaction_read_only = on"); // reported, and not sent by pgjdbc at startup
            assertEquals("on", single(st, "SHOW default_transaction_read_only"));
        }
        try (Connection next = platform.connect("orders-service", "orders-pw", "orders_tx1", new Properties());
             Statement st = next.createStatement()) {
            assertEquals("off", single(st, "SHOW default_transaction_read_only"), "the server's default, as on PostgreSQL");
        }
    }

    @Test
    void cancelAndQueryTimeoutWorkInTransactionMode() throws Exception {
        try (Connection c = tx(); Statement st = c.createStatement()) {
            SQLException e = platform.cancelledSleep(st);
            assertNotNull(e, "the query was cancelled");
            assertEquals("57014", e.getSQLState());
            st.setQueryTimeout(1);
            assertEquals("57014", assertThrows(SQLException.class, () -> st.execute("SELECT pg_sleep(20)")).getSQLState());
            st.setQueryTimeout(0);
            assertEquals("1", single(st, "SELECT 1"));
        }
    }

    /*
     * Fails if idle's cancel key reaches the server busy's query runs on (busy would get 57014). The
     * cancel is sent only once PostgreSQL runs busy's sleep, so the test cannot pass by sending it
     * before there is anything to cancel.
     */
    @Test
    void aCancelFromAClientWithoutATransactionNeverHitsAnotherClientsQuery() throws Exception {
        String sleep = "SELECT 'finished' FROM pg_sleep(1.5) /* not to be cancelled */";
        try (Connection idle = platform.connect("orders-service", "orders-pw", "orders_tx1", new Properties());
             Connection busy = platform.connect("orders-service", "orders-pw", "orders_tx1", new Properties());
             Statement busyStatement = busy.createStatement()) {
            CompletableFuture<String> running = CompletableFuture.supplyAsync(() -> {
                try {
                    return single(busyStatement, sleep);
                } catch (SQLException e) {
                    return e.getSQLState();
                }
            });
            platform.awaitRunning(sleep); // busy's transaction holds the only server connection now
            // Statement.cancel() sends nothing for a statement that is not running: send idle's key regardless
            idle.unwrap(org.postgresql.core.BaseConnection.class).cancelQuery();
            assertEquals("finished", running.get(10, TimeUnit.SECONDS), "the other client's query was not cancelled");
        }
    }

    @Test
    void aClientThatVanishesMidTransactionIsRolledBackAndItsServerReused() throws Exception {
        try (Connection c = platform.connect("orders-service", "orders-pw", "orders_tx1", new Properties()); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS vanish (note text)");
            st.execute("TRUNCATE vanish");
        }
        Connection vanishing = platform.connect("orders-service", "orders-pw", "orders_tx1", new Properties());
        vanishing.setAutoCommit(false);
        try (Statement st = vanishing.createStatement()) {
            st.execute("INSERT INTO vanish VALUES ('never committed')");
        }
        ExecutorService executor = Executors.newSingleThreadExecutor();
        vanishing.abort(executor);
        executor.shutdown();
        try (Connection c = platform.connect("orders-service", "orders-pw", "orders_tx1", new Properties()); Statement st = c.createStatement()) {
            assertEquals(0, count(st, "SELECT count(*) FROM vanish"), "the only server connection was rolled back and reused");
        }
    }

    private static long count(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
