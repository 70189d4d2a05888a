package io.pgwarden.pool;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.pgwarden.Eventually;
import io.pgwarden.Pgwarden;
import io.pgwarden.RawPgClient;
import io.pgwarden.TestPlatform;
import io.pgwarden.config.ConfigLoader;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.embedded.EmbeddedPostgresServer;
import io.pgwarden.provision.Provisioner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PostgreSQL failing under pgwarden's feet, for real: its backends terminated, the server stopped
 * and started again, frozen with SIGSTOP, and a client vanishing mid-COPY. Clients get a clear
 * SQLSTATE (never a hang), and afterwards the pools' books agree with pg_stat_activity and a new
 * client gets in. Each test has databases of its own (all on one PostgreSQL database and role), so
 * no test sees another's servers. Logs are watched: no stack trace for these expected faults, no
 * secret, no leaked buffer (leak detection is paranoid in tests).
 */
class BackendFaultsIT {

    private static final String ROLE = "faults_owner";
    private static final String CONFIG = """
            listen: {host: 127.0.0.1, port: 0}
            admin_services: [ops]
            backends:
              main: {host: 127.0.0.1, port: "${PG_PORT}", admin_user: postgres}
            databases:
              handover: {backend: main, dbname: faults_db, user: faults_owner, password: faults-db-pw, pool_size: 3}
              terminated_tx: {backend: main, dbname: faults_db, user: faults_owner, password: faults-db-pw, pool_mode: transaction, pool_size: 3}
              restarted_tx: {backend: main, dbname: faults_db, user: faults_owner, password: faults-db-pw, pool_mode: transaction, pool_size: 3}
              frozen: {backend: main, dbname: faults_db, user: faults_owner, password: faults-db-pw, pool_size: 2}
              frozen_new: {backend: main, dbname: faults_db, user: faults_owner, password: faults-db-pw, pool_size: 2}
              copy: {backend: main, dbname: faults_db, user: faults_owner, password: faults-db-pw, pool_size: 2}
              copy_tx: {backend: main, dbname: faults_db, user: faults_owner, password: faults-db-pw, pool_mode: transaction, pool_size: 2}
              leaver: {backend: main, dbname: faults_db, user: faults_owner, password: faults-db-pw, pool_size: 1, query_wait_timeout: 60s}
            services:
              faults-service: {password: faults-pw, databases: [handover, terminated_tx, restarted_tx, frozen, frozen_new, copy, copy_tx, leaver]}
              copy-service: {password: copy-pw, auth: md5, databases: [copy, copy_tx, leaver]}
              ops: {password: ops-pw}
            pool:
              query_wait_timeout: 2s
              server_connect_timeout: 2s
            """;
    private static final List<String> SECRETS = List.of("faults-db-pw", "faults-pw", "copy-pw", "ops-pw");
    /** What a client may see when its server is terminated: PostgreSQL's own FATAL, or the connection lost. */
    private static final Set<String> TERMINATED = Set.of("57P01", "08006");

    @TempDir
    static Path dir;
    private static EmbeddedPostgresServer postgres;
    private static Pgwarden pgwarden;
    private static PgwardenConfig config;
    private static final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeAll
    static void start() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        logs.start();
        root.addAppender(logs);
        postgres = EmbeddedPostgresServer.start(0, dir.resolve("data"));
        config = ConfigLoader.parse(CONFIG, "faults.yaml", Map.of("PG_PORT", String.valueOf(postgres.port()))::get);
        new Provisioner().provision(config);
        pgwarden = new Pgwarden(config).start();
        try (Connection c = connect("copy"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS sink (line text)");
        }
    }

    @AfterAll
    static void stop() {
        try {
            if (pgwarden != null) {
                pgwarden.close();
            }
        } finally {
            if (postgres != null) {
                postgres.close();
            }
            ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        }
    }

    /** After each fault: no stack trace for it in the log, no secret, no buffer leaked so far. */
    @AfterEach
    void theLogStaysClean() {
        for (int i = 0; i < 3; i++) { // paranoid detection reports a collected leak at a later allocation
            System.gc();
            for (int j = 0; j < 100; j++) {
                ByteBuf probe = PooledByteBufAllocator.DEFAULT.buffer(16);
                probe.release();
            }
        }
        List<ILoggingEvent> events;
        synchronized (logs) {
            events = new ArrayList<>(logs.list);
            logs.list.clear();
        }
        for (ILoggingEvent event : events) {
            String text = event.getFormattedMessage();
            assertTrue(!text.contains("LEAK:"), "leaked buffer: " + text);
            for (String secret : SECRETS) {
                assertTrue(!text.contains(secret), "a secret in the log: " + text);
            }
            if (event.getLoggerName().startsWith("io.pgwarden") && event.getLevel().isGreaterOrEqual(Level.WARN)) {
                assertEquals(null, event.getThrowableProxy(), "a stack trace for an expected fault: " + text);
            }
        }
    }

    // ---- pg_terminate_backend ------------------------------------------------------------------------

    /**
     * Issue 16, item 13: a session-mode client was once refused with 53300 (all 3 of pool_size in
     * use) with only 2 clients connected, just after pgwarden's servers were terminated. Two
     * clients connect and disconnect in a loop while every backend of the role is terminated again
     * and again; afterwards three clients at once must get in.
     */
    @Test
    void serversTerminatedWhileHandedOverInSessionModeGiveEveryPlaceBack() throws Exception {
        Load load = new Load(2, () -> {
            try (Connection c = connect("handover"); Statement st = c.createStatement()) {
                st.execute("SELECT 1");
            }
        });
        terminateRepeatedly(Duration.ofSeconds(5));
        load.stop();
        load.assertOnly(TERMINATED, Set.of("08001")); // 08001: its server was terminated as it was handed over
        assertTrue(load.succeeded() > 0, "some sessions ran: " + load);

        awaitBooksMatchPostgres();
        List<Connection> three = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                three.add(connect("handover"));
            }
            for (Connection c : three) {
                assertEquals(1, selectOne(c));
            }
            assertEquals(3, pgwarden.pool("handover").stats().open(), "no place of pool_size 3 is taken by a dead server");
        } finally {
            for (Connection c : three) {
                c.close();
            }
        }
        awaitBooksMatchPostgres();
    }

    /** Transaction mode under load: a client mid-transaction gets 57P01 or 08006; one idle between transactions sees nothing. */
    @Test
    void serversTerminatedUnderLoadInTransactionModeGiveClearErrorsAndThePoolRecovers() throws Exception {
        try (Connection idle = connect("terminated_tx")) {
            assertEquals(1, selectOne(idle));
            Load load = new Load(4, new Reconnecting("terminated_tx", c -> {
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT pg_sleep(0.005)");
                }
            }));
            terminateRepeatedly(Duration.ofSeconds(4));
            load.stop();
            // 08001: a reconnecting client's login ran on a server terminated as it was handed over
            load.assertOnly(TERMINATED, Set.of("08001"));
            assertTrue(load.succeeded() > 0, "transactions ran: " + load);
            assertEquals(1, selectOne(idle), "a client idle between transactions never knew");
        }
        awaitBooksMatchPostgres();
    }

    /**
     * A client that gives up while it waits for its first server (a connect timeout, a killed
     * process) leaves the queue at once: otherwise it stays counted in cl_waiting and maxwait, and
     * the next server freed goes to nobody first. The database's query_wait_timeout is 60 s, so
     * only leaving can empty the queue here.
     */
    @Test
    void aClientThatLeavesWhileWaitingForItsFirstServerLeavesTheQueue() throws Exception {
        try (Connection holder = connect("leaver"); Connection console = console(); Statement admin = console.createStatement()) {
            assertEquals(1, selectOne(holder));
            RawPgClient leaving = new RawPgClient(pgwarden.port());
            leaving.send(RawPgClient.startupPacket(3 << 16, "user", "copy-service", "database", "leaver"));
            RawPgClient.Message request = leaving.read();
            byte[] salt = java.util.Arrays.copyOfRange(request.body(), 4, 8);
            leaving.send(RawPgClient.typed('p', RawPgClient.cString(
                    io.pgwarden.auth.Md5Password.response("copy-pw", "copy-service", salt))));
            Eventually.await("the client to wait for leaver's only server", () -> TestPlatform.poolCount(admin, "leaver", "cl_waiting") == 1);
            leaving.close();
            Eventually.await("the client that left to leave the queue", () -> TestPlatform.poolCount(admin, "leaver", "cl_waiting") == 0);
            assertEquals(0, pgwarden.pool("leaver").stats().waiting());
        }
    }

    // ---- PostgreSQL stopped and started again -----------------------------------------------------------

    @Test
    void postgresStoppedAndStartedUnderLoadGivesClearErrorsAndPgwardenRecovers() throws Exception {
        Load load = new Load(3, new Reconnecting("restarted_tx", c -> {
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_sleep(0.005)");
            }
        }));
        Eventually.await("transactions to run", () -> load.succeeded() > 20);
        int port = postgres.port();
        postgres.close(); // fast shutdown: every backend ends with 57P01
        long failuresWhenStopped = load.failed();
        Eventually.await("clients to hear PostgreSQL is gone", () -> load.failed() > failuresWhenStopped + 3);
        postgres = EmbeddedPostgresServer.start(port, dir.resolve("data"));
        long okAfterRestart = load.succeeded();
        Eventually.await("transactions to run again", () -> load.succeeded() > okAfterRestart + 20);
        load.stop();
        // 08001: pgwarden could not connect while it was down; 57P03: it was shutting down or starting
        load.assertOnly(TERMINATED, Set.of("08001", "57P03"));
        awaitBooksMatchPostgres();
    }

    // ---- PostgreSQL frozen (SIGSTOP) -------------------------------------------------------------------

    /**
     * A frozen PostgreSQL answers nothing but its kernel still accepts connections. A client waiting
     * for a busy pool gets 53300 after query_wait_timeout, one for which a server must be opened gets
     * 08001 after server_connect_timeout, and one whose query is on a frozen server gets its answer
     * after SIGCONT. Then everything works again.
     */
    @Test
    void aFrozenPostgresGivesWaitingClientsTimeoutsAndEverythingRecoversAfterSigcont() throws Exception {
        Connection first = connect("frozen");
        Connection second = connect("frozen");
        try {
            assertEquals(1, selectOne(first));
            CompletableFuture<Integer> onFrozenServer;
            SqlOutcome waiter;
            SqlOutcome opener;
            Freezer freezer = new Freezer(postmasterPid());
            try {
                freezer.freeze();
                onFrozenServer = CompletableFuture.supplyAsync(() -> {
                    try {
                        return selectOne(second);
                    } catch (SQLException e) {
                        throw new RuntimeException(e);
                    }
                });
                CompletableFuture<SqlOutcome> waiting = SqlOutcome.of(() -> connect("frozen").close());
                CompletableFuture<SqlOutcome> opening = SqlOutcome.of(() -> connect("frozen_new").close());
                waiter = waiting.get(10, TimeUnit.SECONDS);
                opener = opening.get(10, TimeUnit.SECONDS);
            } finally {
                freezer.thaw();
            }
            assertEquals("53300", waiter.sqlState(), waiter.toString());
            assertTrue(waiter.millis() >= 1500 && waiter.millis() < 6000, "query_wait_timeout (2 s): " + waiter);
            assertEquals("08001", opener.sqlState(), opener.toString());
            assertTrue(opener.message().contains("server_connect_timeout"), opener.toString());
            assertEquals(1, onFrozenServer.get(10, TimeUnit.SECONDS), "the query on the frozen server is answered after SIGCONT");
        } finally {
            first.close();
            second.close();
        }
        try (Connection c = connect("frozen_new")) {
            assertEquals(1, selectOne(c));
        }
        awaitBooksMatchPostgres();
    }

    // ---- a client gone mid-COPY -------------------------------------------------------------------------

    @Test
    void aClientKilledMidCopyInSessionModeLeavesNoServerInCopy() throws Exception {
        killMidCopy("copy");
    }

    @Test
    void aClientKilledMidCopyInTransactionModeLeavesNoServerInCopy() throws Exception {
        killMidCopy("copy_tx");
    }

    private void killMidCopy(String database) throws Exception {
        RawPgClient client = new RawPgClient(pgwarden.port());
        client.loginMd5("copy-service", "copy-pw", database);
        client.query("COPY sink FROM STDIN");
        client.readUntil('G');
        client.send(RawPgClient.typed('d', "half a row\n".getBytes(StandardCharsets.UTF_8)));
        client.send(RawPgClient.typed('d', "and another\n".getBytes(StandardCharsets.UTF_8)));
        Eventually.await("PostgreSQL to be in the COPY", () -> copiesRunning() == 1);
        client.socket().setSoLinger(true, 0); // a reset, as when the client's process is killed
        client.close();
        Eventually.await("no backend left in COPY", () -> copiesRunning() == 0);
        Eventually.await("no server of " + database + " leased", () -> pgwarden.pool(database).stats().active() == 0);
        awaitBooksMatchPostgres();
        try (Connection c = connect(database)) {
            assertEquals(1, selectOne(c));
        }
    }

    private static int copiesRunning() throws SQLException {
        return count("SELECT count(*) FROM pg_stat_activity WHERE usename = '" + ROLE + "' AND query LIKE 'COPY sink%' AND state = 'active'");
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    private static Connection connect(String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "faults-service");
        props.setProperty("password", "faults-pw");
        props.setProperty("connectTimeout", "10");
        props.setProperty("socketTimeout", "20"); // a hang fails the test (and shows as its duration) rather than blocking it
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgwarden.port() + "/" + database, props);
    }

    private static int selectOne(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static Connection admin() throws SQLException {
        return postgres.adminDataSource("postgres").getConnection();
    }

    private static int count(String sql) throws SQLException {
        try (Connection admin = admin(); Statement st = admin.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Terminates every backend of pgwarden's role, over and over, for {@code length}. */
    private static void terminateRepeatedly(Duration length) throws Exception {
        long end = System.nanoTime() + length.toNanos();
        int terminated = 0;
        try (Connection admin = admin(); Statement st = admin.createStatement()) {
            while (System.nanoTime() < end) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
                        + " WHERE usename = '" + ROLE + "' AND pid <> pg_backend_pid()")) {
                    rs.next();
                    terminated += rs.getInt(1);
                }
                Thread.sleep(15); // a rhythm, not a wait for state: servers die at random points of their hand-over
            }
        }
        assertTrue(terminated > 0, "no backend was terminated");
    }

    /**
     * The books of every pool agree with PostgreSQL, and the admin console with the books: as many
     * server connections open as PostgreSQL has backends of the role (SHOW POOLS' sv_* and SHOW
     * SERVERS' rows too), nothing opening, nothing leased in a pool with no client.
     */
    private static void awaitBooksMatchPostgres() throws Exception {
        try (Connection console = console(); Statement admin = console.createStatement()) {
            Eventually.await("the pools' books and the console to match pg_stat_activity", () -> {
                int backends = count("SELECT count(*) FROM pg_stat_activity WHERE usename = '" + ROLE + "' AND backend_type = 'client backend'");
                int open = 0;
                int shown = 0;
                boolean consistent = true;
                StringBuilder pools = new StringBuilder();
                for (String database : config.databases().keySet()) {
                    PoolStats stats = pgwarden.pool(database).stats();
                    Map<String, String> row = TestPlatform.poolRow(admin, database);
                    int rowServers = Stream.of("sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login")
                            .mapToInt(column -> Integer.parseInt(row.get(column))).sum();
                    open += stats.open();
                    shown += rowServers;
                    consistent &= stats.opening() == 0 && rowServers == stats.open()
                            && (stats.clients() > 0 || stats.active() + stats.resetting() == 0);
                    pools.append(database).append('=').append(stats).append(' ');
                }
                int serverRows = rows(admin, "SHOW SERVERS");
                return (consistent && open == backends && shown == backends && serverRows == backends ? "ok " : "MISMATCH ")
                        + "backends=" + backends + " SHOW SERVERS=" + serverRows + " " + pools;
            }, seen -> seen.startsWith("ok"));
        }
    }

    private static int rows(Statement statement, String sql) throws SQLException {
        int rows = 0;
        try (ResultSet rs = statement.executeQuery(sql)) {
            while (rs.next()) {
                rows++;
            }
        }
        return rows;
    }

    private static Connection console() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "ops");
        props.setProperty("password", "ops-pw");
        props.setProperty("preferQueryMode", "simple");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgwarden.port() + "/pgwarden", props);
    }

    private static long postmasterPid() throws Exception {
        return Long.parseLong(Files.readAllLines(postgres.dataDirectory().resolve("postmaster.pid")).get(0).trim());
    }

    /** SIGSTOP and SIGCONT for this test's own PostgreSQL: the postmaster and every process it started. */
    private static final class Freezer {
        private final long postmaster;
        private List<Long> frozen = List.of();

        Freezer(long postmaster) {
            this.postmaster = postmaster;
        }

        void freeze() throws Exception {
            ProcessHandle handle = ProcessHandle.of(postmaster).orElseThrow();
            List<Long> pids = new ArrayList<>();
            pids.add(postmaster); // first: it starts no new backend once stopped
            handle.descendants().forEach(p -> pids.add(p.pid()));
            frozen = pids;
            signal("-STOP", pids);
        }

        void thaw() throws Exception {
            if (!frozen.isEmpty()) {
                signal("-CONT", frozen);
            }
        }

        private static void signal(String signal, List<Long> pids) throws Exception {
            List<String> command = new ArrayList<>(List.of("kill", signal));
            pids.forEach(pid -> command.add(String.valueOf(pid)));
            Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
            assertTrue(kill.waitFor(10, TimeUnit.SECONDS), "kill " + signal);
        }
    }

    /** What one attempt ended with: an SQLSTATE (null when it worked), its message and how long it took. */
    private record SqlOutcome(String sqlState, String message, long millis) {
        static CompletableFuture<SqlOutcome> of(SqlAction action) {
            return CompletableFuture.supplyAsync(() -> {
                long start = System.nanoTime();
                try {
                    action.run();
                    return new SqlOutcome(null, null, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                } catch (SQLException e) {
                    return new SqlOutcome(e.getSQLState(), e.getMessage(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                }
            });
        }
    }

    @FunctionalInterface
    private interface SqlAction {
        void run() throws SQLException;
    }

    @FunctionalInterface
    private interface SqlWork {
        void run(Connection connection) throws SQLException;
    }

    /** Runs its work on a connection kept between runs, and connects anew after a failure. */
    private static final class Reconnecting implements SqlAction {
        private final String database;
        private final SqlWork work;
        private final ThreadLocal<Connection> connection = new ThreadLocal<>();

        Reconnecting(String database, SqlWork work) {
            this.database = database;
            this.work = work;
        }

        @Override
        public void run() throws SQLException {
            Connection c = connection.get();
            if (c == null) {
                c = connect(database);
                connection.set(c);
            }
            try {
                work.run(c);
            } catch (SQLException e) {
                connection.remove();
                c.close();
                throw e;
            }
        }
    }

    /**
     * Threads that run an action over and over until stopped, counting what each attempt ended
     * with; an attempt longer than 10 s counts as a hang.
     */
    private static final class Load {
        private static final long HANG_MILLIS = 10_000;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong succeeded = new AtomicLong();
        private final AtomicLong failed = new AtomicLong();
        private final AtomicInteger hangs = new AtomicInteger();
        private final Map<String, AtomicInteger> sqlStates = new ConcurrentHashMap<>();
        private final Map<String, String> examples = new ConcurrentHashMap<>();
        private final List<Thread> threads = new ArrayList<>();

        Load(int clients, SqlAction action) {
            for (int i = 0; i < clients; i++) {
                Thread thread = new Thread(() -> {
                    while (running.get()) {
                        long start = System.nanoTime();
                        try {
                            action.run();
                            succeeded.incrementAndGet();
                        } catch (SQLException e) {
                            failed.incrementAndGet();
                            String state = String.valueOf(e.getSQLState());
                            sqlStates.computeIfAbsent(state, s -> new AtomicInteger()).incrementAndGet();
                            examples.putIfAbsent(state, String.valueOf(e.getMessage()));
                        }
                        if (TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) > HANG_MILLIS) {
                            hangs.incrementAndGet();
                        }
                    }
                }, "fault-load-" + i);
                thread.setDaemon(true);
                thread.start();
                threads.add(thread);
            }
        }

        long succeeded() {
            return succeeded.get();
        }

        long failed() {
            return failed.get();
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(30));
                assertTrue(!thread.isAlive(), thread.getName() + " hangs: " + this);
            }
            System.err.println("fault load: " + this); // what clients saw, for the record
        }

        /** Every failure had one of these SQLSTATEs, and no attempt hung. */
        void assertOnly(Set<String> expected, Set<String> alsoAllowed) {
            assertEquals(0, hangs.get(), "attempts that hung: " + this);
            Set<String> unexpected = sqlStates.keySet().stream()
                    .filter(s -> !expected.contains(s) && !alsoAllowed.contains(s)).collect(Collectors.toSet());
            assertTrue(unexpected.isEmpty(), "unexpected errors: " + this);
        }

        @Override
        public String toString() {
            return "ok=" + succeeded + " failed=" + failed + " hangs=" + hangs + " by SQLSTATE=" + sqlStates + " e.g. " + examples;
        }
    }
}
