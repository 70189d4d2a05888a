package io.pgwarden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pgwarden.admin.ReloadOutcome;
import io.pgwarden.config.ConfigLoader;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.embedded.EmbeddedPostgresServer;
import io.pgwarden.provision.Provisioner;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Moving a database to another instance with a reload, on two real PostgreSQL instances whose copies
 * of each database differ by a marker row ('a' or 'b'). Each test moves a logical database of its
 * own from a to b, so the tests share the pair and need no order: a transaction-mode database under
 * load from HikariCP (extended protocol, server-side prepared statements) and pgjdbc in simple mode;
 * a session-mode client that stays on a until move_timeout; a transaction left open past
 * move_timeout (a straggler); pgbench (libpq) in simple and prepared mode through a move and back.
 */
class DatabaseMoveIT {

    private static final String CONFIG = """
            listen: {host: 127.0.0.1, port: 0}
            admin_services: [ops]
            limits: {max_client_connections: 200}
            backends:
              a: {host: 127.0.0.1, port: "${PORT_A}", admin_user: postgres, max_connections: 40}
              b: {host: 127.0.0.1, port: "${PORT_B}", admin_user: postgres, max_connections: 40}
            pool: {query_wait_timeout: 10s, server_connect_timeout: 3s}
            databases:
              shop:   {backend: "${SHOP}",   dbname: shop_db,   user: shop_owner,   password: shop-db-pw, pool_mode: transaction, pool_size: 4}
              shop_s: {backend: "${SHOP_S}", dbname: shop_s_db, user: shop_s_owner, password: shop-db-pw, pool_mode: session, pool_size: 4, move_timeout: 2s}
              shop_x: {backend: "${SHOP_X}", dbname: shop_x_db, user: shop_x_owner, password: shop-db-pw, pool_mode: transaction, pool_size: 2, move_timeout: 2s, query_wait_timeout: 1s}
              shop_p: {backend: "${SHOP_P}", dbname: shop_p_db, user: shop_p_owner, password: shop-db-pw, pool_mode: transaction, pool_size: 2, move_timeout: 2s}
              shop_b: {backend: "${SHOP_B}", dbname: shop_b_db, user: shop_b_owner, password: shop-db-pw, pool_mode: transaction, pool_size: 4}
            services:
              shop-service: {password: shop-pw, databases: [shop, shop_s, shop_x, shop_p, shop_b]}
              ops: {password: ops-pw}
            """;
    private static final List<String> DATABASES = List.of("shop", "shop_s", "shop_x", "shop_p", "shop_b");

    private static EmbeddedPostgresServer a;
    private static EmbeddedPostgresServer b;
    private static Pgwarden pgwarden;
    /** Where each logical database is in the file: a reload renders the whole file from it. */
    private static final Map<String, String> where = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        a = EmbeddedPostgresServer.start(0, null);
        b = EmbeddedPostgresServer.start(0, null);
        DATABASES.forEach(database -> where.put(database, "a"));
        // the same roles and databases on both instances, then the "copied" data: equal but for the marker
        new Provisioner().provision(config(Map.of("SHOP", "a", "SHOP_S", "a", "SHOP_X", "a", "SHOP_P", "a", "SHOP_B", "a")));
        new Provisioner().provision(config(Map.of("SHOP", "b", "SHOP_S", "b", "SHOP_X", "b", "SHOP_P", "b", "SHOP_B", "b")));
        for (EmbeddedPostgresServer instance : List.of(a, b)) {
            String marker = instance == a ? "a" : "b";
            for (String database : DATABASES) {
                try (Connection admin = instance.adminDataSource(database + "_db").getConnection();
                     Statement st = admin.createStatement()) {
                    st.execute("CREATE TABLE marker (instance text NOT NULL)");
                    st.execute("INSERT INTO marker VALUES ('" + marker + "')");
                    st.execute("CREATE TABLE counters (id int PRIMARY KEY, n bigint NOT NULL)");
                    st.execute("INSERT INTO counters SELECT g, 0 FROM generate_series(0, 7) g");
                    st.execute("GRANT SELECT ON marker TO " + database + "_owner");
                    st.execute("GRANT SELECT, UPDATE ON counters TO " + database + "_owner");
                }
            }
        }
        pgwarden = new Pgwarden(config(Map.of()), () -> config(Map.of())).start();
    }

    @AfterAll
    static void stop() {
        try {
            if (pgwarden != null) {
                pgwarden.close();
            }
        } finally {
            for (EmbeddedPostgresServer instance : new EmbeddedPostgresServer[] {a, b}) {
                if (instance != null) {
                    instance.close();
                }
            }
        }
    }

    /** The file with each database where {@link #where} says, unless {@code fixed} says otherwise. */
    private static PgwardenConfig config(Map<String, String> fixed) throws io.pgwarden.config.ConfigException {
        Map<String, String> env = new java.util.HashMap<>();
        env.put("PORT_A", String.valueOf(a.port()));
        env.put("PORT_B", String.valueOf(b.port()));
        DATABASES.forEach(database -> env.put(database.toUpperCase(java.util.Locale.ROOT), where.get(database)));
        env.putAll(fixed);
        return ConfigLoader.parse(CONFIG, "move.yaml", env::get);
    }

    /** Rewrites the file with {@code database} on {@code backend} and reloads it, as SIGHUP would. */
    private static ReloadOutcome moveTo(String database, String backend) {
        String from = where.put(database, backend);
        ReloadOutcome outcome = pgwarden.reload();
        assertTrue(outcome.success(), outcome.lines().toString());
        assertEquals(List.of("database \"" + database + "\": backend/dbname " + from + "/" + database + "_db -> " + backend + "/"
                + database + "_db: moving (new transactions are held until its open ones end, move_timeout at most)"), outcome.lines());
        return outcome;
    }

    private static Connection connect(String database, Properties extra) throws SQLException {
        Properties props = new Properties();
        props.putAll(extra);
        props.setProperty("user", "shop-service");
        props.setProperty("password", "shop-pw");
        props.putIfAbsent("connectTimeout", "20");
        props.putIfAbsent("socketTimeout", "30");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgwarden.port() + "/" + database, props);
    }

    private static String marker(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT instance FROM marker")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Client backends of pgwarden's role for {@code database} on {@code instance}. */
    private static int connectionsOn(EmbeddedPostgresServer instance, String database) throws SQLException {
        try (Connection admin = instance.adminDataSource("postgres").getConnection();
             Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE usename = '" + database + "_owner'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static MeterRegistry registry() {
        return pgwarden.observability().metrics().registry();
    }

    private static double moves(String database, String result) {
        return registry().counter("pgwarden.database.moves", "database", database, "result", result).count();
    }

    /** The backend labels of the database's pgwarden_server_connections gauges. */
    private static java.util.Set<String> serverGaugeBackends(String database) {
        return registry().find("pgwarden.server.connections").tag("database", database).gauges().stream()
                .map(gauge -> gauge.getId().getTag("backend")).collect(java.util.stream.Collectors.toSet());
    }

    private static double endedByMove(String database) {
        return registry().counter("pgwarden.clients.ended", "database", database, "reason", "moved").count();
    }

    /** One transaction as a client saw it: when it began and ended (nanoTime) and the instance that ran it. */
    private record Done(long startNanos, long endNanos, String instance) {
    }

    /*
     * Fails if any transaction fails (before, during or after the move and its rollback), if a
     * transaction begun after RELOAD returned ran on a (it must be held, then run on b), if a keeps a
     * connection of shop, if the clients get nothing done on b, if after the rollback they are not
     * back on a (and b still has a connection of shop), or if the moves are not counted as clean and timed.
     */
    @Test
    void underLoadInTransactionModeAMoveCostsClientsAPauseOnly() throws Exception {
        List<Done> done = new CopyOnWriteArrayList<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);
        HikariConfig hikariConfig = new HikariConfig();
        hikariConfig.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + pgwarden.port() + "/shop?prepareThreshold=1&socketTimeout=30");
        hikariConfig.setUsername("shop-service");
        hikariConfig.setPassword("shop-pw");
        hikariConfig.setMaximumPoolSize(4);
        hikariConfig.setMinimumIdle(4);
        hikariConfig.setConnectionTimeout(10_000);
        hikariConfig.setAutoCommit(false);
        ExecutorService clients = Executors.newFixedThreadPool(6);
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
        try (HikariDataSource hikari = new HikariDataSource(hikariConfig)) {
            for (int i = 0; i < 4; i++) {
                int id = i;
                futures.add(clients.submit(() -> {
                    while (running.get()) {
                        long start = System.nanoTime();
                        try (Connection c = hikari.getConnection();
                             PreparedStatement read = c.prepareStatement("SELECT instance FROM marker");
                             PreparedStatement write = c.prepareStatement("UPDATE counters SET n = n + 1 WHERE id = ?")) {
                            String instance;
                            try (ResultSet rs = read.executeQuery()) {
                                rs.next();
                                instance = rs.getString(1);
                            }
                            write.setInt(1, id);
                            assertEquals(1, write.executeUpdate());
                            c.commit();
                            done.add(new Done(start, System.nanoTime(), instance));
                        } catch (Throwable e) {
                            errors.add(e);
                            return;
                        }
                    }
                }));
            }
            for (int i = 0; i < 2; i++) {
                int id = 4 + i;
                futures.add(clients.submit(() -> {
                    Properties simple = new Properties();
                    simple.setProperty("preferQueryMode", "simple");
                    try (Connection c = connect("shop", simple); Statement st = c.createStatement()) {
                        while (running.get()) {
                            long start = System.nanoTime();
                            try (ResultSet rs = st.executeQuery("UPDATE counters SET n = n + 1 WHERE id = " + id
                                    + " RETURNING (SELECT instance FROM marker)")) {
                                rs.next();
                                done.add(new Done(start, System.nanoTime(), rs.getString(1)));
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            Eventually.await("load running on a", () -> done.size() >= 200 || !errors.isEmpty());
            assertTrue(errors.isEmpty(), errors.toString());
            assertTrue(done.stream().allMatch(d -> d.instance().equals("a")));

            long reloadStart = System.nanoTime();
            moveTo("shop", "b");
            long reloadReturned = System.nanoTime();
            Eventually.await("the move to end", () -> moves("shop", "clean") == 1 || !errors.isEmpty());
            long movedAt = System.nanoTime();
            int atMoveEnd = done.size();
            Eventually.await("load running on b", () -> done.size() >= atMoveEnd + 200 || !errors.isEmpty());
            Eventually.await("no connection of shop left on the old instance", () -> connectionsOn(a, "shop"), n -> n == 0);
            assertTrue(connectionsOn(b, "shop") > 0);
            Eventually.await("the pool's server gauges under the new backend's label", () -> serverGaugeBackends("shop"),
                    backends -> backends.equals(java.util.Set.of("b")));

            // the rollback is a move like any other
            moveTo("shop", "a");
            long rolledBackReturned = System.nanoTime();
            Eventually.await("the move back to end", () -> moves("shop", "clean") == 2 || !errors.isEmpty());
            int atRollbackEnd = done.size();
            Eventually.await("load running on a again", () -> done.size() >= atRollbackEnd + 100 || !errors.isEmpty());
            running.set(false);
            for (java.util.concurrent.Future<?> future : futures) {
                future.get(30, TimeUnit.SECONDS);
            }

            assertTrue(errors.isEmpty(), "no transaction failed: " + errors);
            List<Done> begunAfterReload = done.stream().filter(d -> d.startNanos() - reloadReturned > 0
                    && rolledBackReturned - d.endNanos() > 0).toList();
            assertTrue(begunAfterReload.size() >= 200);
            assertEquals(List.of(), begunAfterReload.stream().filter(d -> !d.instance().equals("b")).toList(),
                    "every transaction begun after RELOAD returned (and over before the rollback) ran on the new instance");
            List<Done> begunAfterRollback = done.stream().filter(d -> d.startNanos() - rolledBackReturned > 0).toList();
            assertTrue(begunAfterRollback.size() >= 100);
            assertEquals(List.of(), begunAfterRollback.stream().filter(d -> !d.instance().equals("a")).toList(),
                    "and every one begun after the rollback's RELOAD ran on the old instance again");
            assertEquals(0, moves("shop", "forced"));
            Timer timer = registry().find("pgwarden.database.move").tag("database", "shop").timer();
            assertEquals(2, timer.count());
            Eventually.await("no connection of shop left on b after the rollback", () -> connectionsOn(b, "shop"), n -> n == 0);
            assertTrue(connectionsOn(a, "shop") > 0);
            Eventually.await("the server gauges back under a", () -> serverGaugeBackends("shop"),
                    backends -> backends.equals(java.util.Set.of("a")));

            // what the clients saw: the transactions begun while the move held them, from the reload to its end
            long[] held = done.stream().filter(d -> d.startNanos() - reloadStart >= 0 && movedAt - d.startNanos() >= 0)
                    .mapToLong(d -> d.endNanos() - d.startNanos()).sorted().toArray();
            long[] ordinary = done.stream().filter(d -> reloadStart - d.endNanos() > 0)
                    .mapToLong(d -> d.endNanos() - d.startNanos()).sorted().toArray();
            System.out.printf("database move under load (6 clients, pool_size 4): pgwarden held new transactions %.1f ms over the "
                            + "move and its rollback (max %.1f ms); "
                            + "transactions begun during the move (%d): p99 %.1f ms, max %.1f ms; before it (%d): p99 %.1f ms, max %.1f ms%n",
                    timer.totalTime(TimeUnit.MICROSECONDS) / 1000.0, timer.max(TimeUnit.MICROSECONDS) / 1000.0, held.length, millis(percentile(held, 0.99)),
                    millis(held.length == 0 ? 0 : held[held.length - 1]), ordinary.length, millis(percentile(ordinary, 0.99)),
                    millis(ordinary[ordinary.length - 1]));
        } finally {
            running.set(false);
            clients.shutdownNow();
            clients.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    /*
     * pgbench (libpq), as the issue asks: a transaction of its own (an UPDATE and a read of the marker)
     * in simple and then prepared mode, 4 clients, through a move a -> b and back. Fails if pgbench
     * reports a failed or aborted transaction, or if it never ran on b.
     */
    @Test
    void pgbenchSimpleAndPreparedRunThroughAMoveAndItsRollbackWithNoFailedTransaction(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(pgbenchInstalled(), "skipped: pgbench is not installed (apt-get install postgresql-client)");
        java.nio.file.Path script = dir.resolve("move.sql");
        java.nio.file.Files.writeString(script, """
                \\set id random(0, 7)
                BEGIN;
                UPDATE counters SET n = n + 1 WHERE id = :id;
                SELECT instance FROM marker;
                END;
                """);
        for (String protocol : List.of("simple", "prepared")) {
            double movesBefore = moves("shop_b", "clean");
            java.nio.file.Path log = dir.resolve("pgbench-" + protocol + ".log");
            ProcessBuilder builder = new ProcessBuilder("pgbench", "-h", "127.0.0.1", "-p", String.valueOf(pgwarden.port()),
                    "-U", "shop-service", "-n", "-M", protocol, "-f", script.toString(), "-c", "4", "-j", "4", "-T", "6",
                    "-P", "1", "shop_b").redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("PGPASSWORD", "shop-pw");
            Process pgbench = builder.start();
            Eventually.await("pgbench running on a", () -> countersOn(a, "shop_b") > 50 || !pgbench.isAlive());
            moveTo("shop_b", "b");
            Eventually.await("the move to b to end", () -> moves("shop_b", "clean") == movesBefore + 1);
            long onB = countersOn(b, "shop_b");
            Eventually.await("pgbench running on b", () -> countersOn(b, "shop_b") > onB + 50 || !pgbench.isAlive());
            moveTo("shop_b", "a");
            Eventually.await("the move back to end", () -> moves("shop_b", "clean") == movesBefore + 2);
            assertTrue(pgbench.waitFor(60, TimeUnit.SECONDS), "pgbench ended");
            String output = java.nio.file.Files.readString(log);
            assertTrue(countersOn(b, "shop_b") > onB, "pgbench's transactions ran on b too: " + output);
            assertEquals(0, pgbench.exitValue(), output);
            assertTrue(output.contains("number of failed transactions: 0 ") || !output.contains("number of failed transactions"), output);
            assertTrue(!output.contains("aborted") && !output.contains("ERROR"), output);
            System.out.printf("pgbench -M %s through two moves of shop_b: %s%n", protocol,
                    output.lines().filter(line -> line.startsWith("number of transactions actually processed")
                            || line.startsWith("latency average") || line.startsWith("tps")).toList());
        }
    }

    /** The sum of shop's counters on {@code instance}: how many transactions ran there. */
    private static long countersOn(EmbeddedPostgresServer instance, String database) throws SQLException {
        try (Connection admin = instance.adminDataSource(database + "_db").getConnection();
             Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("SELECT sum(n) FROM counters")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static boolean pgbenchInstalled() {
        try {
            return new ProcessBuilder("pgbench", "--version").start().waitFor(10, TimeUnit.SECONDS);
        } catch (java.io.IOException | InterruptedException e) {
            return false;
        }
    }

    private static long percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static double millis(long nanos) {
        return nanos / 1_000_000.0;
    }

    @Test
    void aSessionClientStaysOnTheOldInstanceUntilMoveTimeoutThenGoesAtItsBoundary() throws Exception {
        try (Connection old = connect("shop_s", new Properties()); Statement st = old.createStatement()) {
            assertEquals("a", marker(st));
            moveTo("shop_s", "b");
            assertEquals("a", marker(st), "connected before the move, it keeps its session on the old instance");

            // a new session waits for the move: its login is held, not refused
            CompletableFuture<String> newcomer = CompletableFuture.supplyAsync(() -> {
                try (Connection c = connect("shop_s", new Properties()); Statement s = c.createStatement()) {
                    return marker(s);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            Eventually.await("the new session held by the move", () -> pgwarden.pool("shop_s").stats().waiting(), n -> n >= 1);
            assertEquals(1, registry().get("pgwarden.databases.moving").gauge().value(), "the move shows while it runs");
            assertEquals("a", marker(st), "still within move_timeout (2 s): the old session works");

            Eventually.await("move_timeout to end the old session and the move", () -> moves("shop_s", "forced"), n -> n == 1);
            SQLException ended = assertThrows(SQLException.class, () -> marker(st));
            assertEquals("57P01", ended.getSQLState(), ended.getMessage());
            assertTrue(ended.getMessage().contains("database \"shop_s\" is moving to another instance"), ended.getMessage());
            assertEquals("b", newcomer.get(20, TimeUnit.SECONDS), "its next connection is on the new instance");
            assertEquals(1, endedByMove("shop_s"));
            assertEquals(0, registry().get("pgwarden.databases.moving").gauge().value());
            Eventually.await("no connection of shop_s left on the old instance", () -> connectionsOn(a, "shop_s"), n -> n == 0);
        }
    }

    @Test
    void aTransactionOpenPastMoveTimeoutIsEndedAndTheMoveCompletes() throws Exception {
        try (Connection straggler = connect("shop_x", new Properties());
             Connection waiting = connect("shop_x", new Properties())) {
            straggler.setAutoCommit(false);
            Statement st = straggler.createStatement();
            assertEquals("a", marker(st)); // the transaction is open, its server held
            assertEquals("a", marker(waiting.createStatement()));
            moveTo("shop_x", "b");

            long[] heldNanos = new long[1];
            CompletableFuture<String> held = CompletableFuture.supplyAsync(() -> {
                try (Statement s = waiting.createStatement()) {
                    long start = System.nanoTime();
                    String instance = marker(s);
                    heldNanos[0] = System.nanoTime() - start;
                    return instance;
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            Eventually.await("the next transaction held by the move", () -> pgwarden.pool("shop_x").stats().waiting(), n -> n >= 1);
            assertEquals("a", marker(st), "inside its transaction, within move_timeout, the straggler still runs on a");

            Eventually.await("move_timeout to end the straggler and the move", () -> moves("shop_x", "forced"), n -> n == 1);
            SQLException ended = assertThrows(SQLException.class, () -> marker(st));
            assertEquals("57P01", ended.getSQLState(), ended.getMessage());
            assertTrue(ended.getMessage().contains("database \"shop_x\" is moving to another instance"), ended.getMessage());
            assertEquals("b", held.get(20, TimeUnit.SECONDS));
            long heldMillis = TimeUnit.NANOSECONDS.toMillis(heldNanos[0]);
            assertTrue(heldMillis > 1000, "held " + heldMillis + " ms, longer than its query_wait_timeout (1 s), and served");
            assertEquals(1, endedByMove("shop_x"));
            Eventually.await("no connection of shop_x left on the old instance", () -> connectionsOn(a, "shop_x"), n -> n == 0);
        }
    }

    @Test
    void aPinnedClientKeepsItsServerOnTheOldInstanceUntilMoveTimeoutThenGoesAtItsBoundary() throws Exception {
        try (Connection pinned = connect("shop_p", new Properties()); Connection other = connect("shop_p", new Properties())) {
            Statement st = pinned.createStatement();
            st.execute("CREATE TEMP TABLE scratch (x int)"); // session state: pinned to its server
            Eventually.await("the client pinned", () -> pgwarden.pool("shop_p").pinned().pinnedClients(), n -> n == 1);
            assertEquals("a", marker(other.createStatement()));
            moveTo("shop_p", "b");

            assertEquals("a", marker(st), "pinned, it keeps its server (and its temp table) on the old instance");
            st.execute("INSERT INTO scratch VALUES (1)");
            CompletableFuture<String> unpinned = CompletableFuture.supplyAsync(() -> {
                try (Statement s = other.createStatement()) {
                    return marker(s);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            Eventually.await("the unpinned client's next transaction held", () -> pgwarden.pool("shop_p").stats().waiting(),
                    n -> n >= 1);

            Eventually.await("move_timeout to end the pinned client and the move", () -> moves("shop_p", "forced"), n -> n == 1);
            SQLException ended = assertThrows(SQLException.class, () -> marker(st));
            assertEquals("57P01", ended.getSQLState(), ended.getMessage());
            assertTrue(ended.getMessage().contains("database \"shop_p\" is moving to another instance"), ended.getMessage());
            assertEquals("b", unpinned.get(20, TimeUnit.SECONDS), "the unpinned client goes on at the new instance");
            assertEquals(1, endedByMove("shop_p"));
            Eventually.await("no connection of shop_p left on the old instance", () -> connectionsOn(a, "shop_p"), n -> n == 0);
        }
    }
}
