package io.pgwarden.frontend;

import io.pgwarden.Eventually;
import io.pgwarden.NettyLeaks;
import io.pgwarden.RawPgClient;
import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.frontend.FrontendFuzz.Feature;
import io.pgwarden.frontend.FrontendFuzz.Sequence;
import io.pgwarden.frontend.FuzzConversation.Outcome;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A protocol fuzzer (issue 16): a few logged-in clients at once send seeded random sequences of
 * valid and broken frontend messages ({@link FrontendFuzz}) in session and in transaction mode.
 * After every round, each client must have been answered well and ended idle or closed with a
 * FATAL ({@link FuzzConversation}), and pgwarden must be whole: a new connection is served, no
 * server stays leased to an idle client, SHOW POOLS agrees with pg_stat_activity, no backend is
 * left inside a transaction, and Netty reported no leaked buffer.
 *
 * <p>A failure names its seed and round and lists every client's messages. Replay, or fuzz longer:
 * <pre>
 * ./mvnw -q -pl proxy -am verify -Dtest=none -Dit.test=ProtocolFuzzIT -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dfailsafe.failIfNoSpecifiedTests=false -DprotocolFuzz.seed=SEED [-DprotocolFuzz.round=ROUND -DprotocolFuzz.rounds=1] \
 *     [-DprotocolFuzz.database=orders_tx] [-DprotocolFuzz.seconds=120] [-DprotocolFuzz.clients=4] [-DprotocolFuzz.without=broken_messages,execute_without_sync,sync_during_copy]
 * </pre>
 * (failsafe hands Maven's {@code -D} properties to the test JVM). A round replayed alone starts
 * from new connections; if it passes then, replay from round 0 up to it ({@code -DprotocolFuzz.rounds=ROUND+1}).
 */
@WithPlatform({"TX_POOL_SIZE=3", "TX_MAX_PINNED=2", "POOL_SIZE=8", "QUERY_WAIT_TIMEOUT=3s"})
class ProtocolFuzzIT {

    private static final long SEED = Long.getLong("protocolFuzz.seed", new java.security.SecureRandom().nextLong());
    /** Fuzzing time per pool mode; 12 s each keeps the class near 35 s with the platform's start. */
    private static final Duration BUDGET = Duration.ofSeconds(Long.getLong("protocolFuzz.seconds", 12));
    private static final int CLIENTS = Integer.getInteger("protocolFuzz.clients", 4);
    private static final int FIRST_ROUND = Integer.getInteger("protocolFuzz.round", 0);
    private static final int MAX_ROUNDS = Integer.getInteger("protocolFuzz.rounds", Integer.MAX_VALUE);
    private static final String ONLY_DATABASE = System.getProperty("protocolFuzz.database", "");
    /** Features to leave out, comma-separated ({@link FrontendFuzz.Feature}), to look past a known bug. */
    private static final String WITHOUT = System.getProperty("protocolFuzz.without", "");
    private static final Set<Feature> LEFT_OUT = features(WITHOUT);
    /** Longer than the platform's query_wait_timeout (3 s), so a client starved of a server hears 53300 first. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(6);
    private static final Duration SETTLE_DEADLINE = Duration.ofSeconds(10);

    private static TestPlatform platform;
    private static NettyLeaks leaks;

    @BeforeAll
    static void start() throws Exception {
        leaks = NettyLeaks.watch();
        try (Connection c = platform.connect("orders-service", "orders"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS fuzz_copy (n int)");
        }
        System.out.println("ProtocolFuzzIT seed " + SEED + " (replay with -DprotocolFuzz.seed=" + SEED + ")");
    }

    @AfterAll
    static void stopWatching() {
        leaks.close();
    }

    /** orders is a session-mode database, orders_tx a transaction-mode one (3 servers for 4 clients); both on orders_db. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"orders", "orders_tx"})
    void randomConversationsLeavePgwardenWhole(String database) throws Exception {
        assumeTrue(ONLY_DATABASE.isEmpty() || ONLY_DATABASE.equals(database), "protocolFuzz.database=" + ONLY_DATABASE);
        boolean transactionMode = "orders_tx".equals(database);
        int poolSize = platform.config().databases().get(database).pool().size();
        if (!transactionMode && CLIENTS >= poolSize) {
            // each session client holds a server: the new connection of the checks needs one more
            throw new IllegalArgumentException("protocolFuzz.clients=" + CLIENTS + ": at most " + (poolSize - 1)
                    + " for the session pool's " + poolSize + " servers");
        }
        RawPgClient[] clients = new RawPgClient[CLIENTS];
        Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
        ExecutorService executor = Executors.newFixedThreadPool(CLIENTS);
        long deadline = System.nanoTime() + BUDGET.toNanos();
        int round = FIRST_ROUND;
        try {
            for (; round - FIRST_ROUND < MAX_ROUNDS && System.nanoTime() < deadline; round++) {
                List<Sequence> sequences = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    sequences.add(FrontendFuzz.generate(sequenceSeed(database, round, i), LEFT_OUT));
                }
                List<String> violations = playRound(executor, database, clients, sequences, outcomes);
                Round report = new Round(database, round, sequences, () -> whoHoldsServers(database, clients) + "\n" + leaksSoFar());
                if (!violations.isEmpty()) {
                    throw report.failure(String.join("\n", violations));
                }
                int connected = connected(clients);
                report.check("a new connection is served", () -> newConnectionIsServed(database));
                report.check("SHOW POOLS agrees with the idle clients",
                        () -> poolSettles(database, connected, transactionMode ? 0 : connected));
                report.check("SHOW POOLS agrees with pg_stat_activity", ProtocolFuzzIT::serversMatchPostgres);
                report.check("no backend left busy or in a transaction", ProtocolFuzzIT::noBackendBusy);
                report.check("no Netty buffer leaked", leaks::assertNoneReported);
            }
        } finally {
            executor.shutdownNow();
            for (RawPgClient client : clients) {
                if (client != null) {
                    client.close();
                }
            }
        }
        leaks.assertNoneAfterGc();
        System.out.printf("ProtocolFuzzIT %s: %d rounds of %d clients, outcomes %s, seed %d%n",
                database, round - FIRST_ROUND, CLIENTS, outcomes, SEED);
    }

    /** Every client plays its sequence at once; returns what each saw broken. */
    private static List<String> playRound(ExecutorService executor, String database, RawPgClient[] clients,
                                          List<Sequence> sequences, Map<Outcome, Integer> outcomes) throws Exception {
        List<Future<String>> plays = new ArrayList<>();
        for (int i = 0; i < clients.length; i++) {
            int client = i;
            plays.add(executor.submit(() -> {
                try {
                    if (clients[client] == null) {
                        clients[client] = loginOrExplain(database);
                    }
                    Outcome outcome = new FuzzConversation(clients[client], READ_TIMEOUT).play(sequences.get(client));
                    synchronized (outcomes) {
                        outcomes.merge(outcome, 1, Integer::sum);
                    }
                    if (outcome != Outcome.IDLE) {
                        hangUp(clients, client);
                    }
                    return null;
                } catch (IOException | IllegalStateException | AssertionError e) {
                    hangUp(clients, client);
                    return "client " + client + " (sequence seed " + sequences.get(client).seed() + "): " + e;
                }
            }));
        }
        List<String> violations = new ArrayList<>();
        for (Future<String> play : plays) {
            // a read times out after READ_TIMEOUT; a login after RawPgClient's 10 s
            String violation = play.get(60, TimeUnit.SECONDS);
            if (violation != null) {
                violations.add(violation);
            }
        }
        return violations;
    }

    /** A login of a fuzz client; one refused or unanswered is a violation too (a login borrows a server). */
    private static RawPgClient loginOrExplain(String database) {
        try {
            return login(database);
        } catch (IOException | RuntimeException e) {
            throw new FuzzConversation.Violation("the login failed: " + e);
        }
    }

    private static RawPgClient login(String database) throws IOException {
        RawPgClient client = new RawPgClient(platform.pgwarden().port());
        try {
            client.loginMd5("md5-service", "md5-pw", database);
            return client;
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    private static void hangUp(RawPgClient[] clients, int client) throws IOException {
        if (clients[client] != null) {
            clients[client].close();
            clients[client] = null;
        }
    }

    private static int connected(RawPgClient[] clients) {
        int connected = 0;
        for (RawPgClient client : clients) {
            connected += client == null ? 0 : 1;
        }
        return connected;
    }

    private static void newConnectionIsServed(String database) throws IOException {
        try (RawPgClient client = login(database)) {
            client.query("SELECT 1");
            assertEquals("TDCZ", client.typesUntilReady(null));
        }
    }

    /**
     * Idle clients are all counted (cl_active), none waits, and only session clients and pinned
     * clients (a LISTEN of the fuzzer's pins it) hold a server.
     */
    private static void poolSettles(String database, int clients, int serversActive) throws Exception {
        try (Connection console = platform.console(); Statement st = console.createStatement()) {
            Eventually.await("SHOW POOLS " + database + " to read cl_active=" + clients + " cl_waiting=0 and one active server"
                    + " per session or pinned client", SETTLE_DEADLINE, () -> {
                Map<String, String> row = TestPlatform.poolRow(st, database);
                String actual = "cl_active=" + row.get("cl_active") + " cl_waiting=" + row.get("cl_waiting") + " sv_active=" + row.get("sv_active");
                String expected = "cl_active=" + clients + " cl_waiting=0 sv_active=" + (serversActive + pinnedClients(st, database));
                return actual.equals(expected) ? "" : actual + ", expected " + expected;
            }, String::isEmpty);
        }
    }

    private static int pinnedClients(Statement console, String database) throws SQLException {
        int pinned = 0;
        try (ResultSet rs = console.executeQuery("SHOW CLIENTS")) {
            while (rs.next()) {
                if (database.equals(rs.getString("database")) && rs.getInt("pinned") == 1) {
                    pinned++;
                }
            }
        }
        return pinned;
    }

    /** Servers SHOW POOLS counts for every database on orders_db, against the backends PostgreSQL has there. */
    private static void serversMatchPostgres() throws Exception {
        List<String> onOrdersDb = platform.config().databases().values().stream()
                .filter(d -> d.dbname().equals("orders_db")).map(DatabaseConfig::name).toList();
        try (Connection console = platform.console(); Statement st = console.createStatement()) {
            Eventually.await("the servers of " + onOrdersDb + " in SHOW POOLS to be the backends of orders_db", SETTLE_DEADLINE, () -> {
                int pooled = 0;
                for (String database : onOrdersDb) {
                    Map<String, String> row = TestPlatform.poolRow(st, database);
                    for (String column : List.of("sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login")) {
                        pooled += Integer.parseInt(row.get(column));
                    }
                }
                return "SHOW POOLS " + pooled + ", pg_stat_activity " + platform.backendConnections("orders_db");
            }, seen -> seen.matches("SHOW POOLS (\\d+), pg_stat_activity \\1"));
        }
    }

    /** For a failure's report: whether Netty found a leaked buffer, once garbage is collected. */
    private static String leaksSoFar() {
        try {
            leaks.assertNoneAfterGc();
            return "Netty leaks: none reported";
        } catch (Exception | AssertionError e) {
            return "Netty leaks: " + e.getMessage();
        }
    }

    /** Which of this round's clients SHOW CLIENTS shows linked to a server, by the client's port. */
    private static String whoHoldsServers(String database, RawPgClient[] clients) throws Exception {
        Map<Integer, Integer> clientByPort = new java.util.HashMap<>();
        for (int i = 0; i < clients.length; i++) {
            if (clients[i] != null) {
                clientByPort.put(clients[i].socket().getLocalPort(), i);
            }
        }
        List<String> holders = new ArrayList<>();
        try (Connection console = platform.console(); Statement st = console.createStatement();
             ResultSet rs = st.executeQuery("SHOW CLIENTS")) {
            while (rs.next()) {
                String link = rs.getString("link");
                if (database.equals(rs.getString("database")) && link != null && !link.isEmpty()) {
                    Integer client = clientByPort.get(rs.getInt("port"));
                    holders.add((client == null ? "a client not of this round, port " + rs.getInt("port") : "client " + client)
                            + " (state " + rs.getString("state") + ", server " + link + ")");
                }
            }
        }
        return "linked to a server now (SHOW CLIENTS): " + (holders.isEmpty() ? "nobody" : String.join(", ", holders));
    }

    private static void noBackendBusy() throws Exception {
        Eventually.await("no orders_db backend active or in a transaction", SETTLE_DEADLINE, () -> {
            try (Connection admin = platform.admin(); Statement st = admin.createStatement();
                 ResultSet rs = st.executeQuery("SELECT coalesce(string_agg(pid || ' ' || state || ': ' || query, '; '), '')"
                         + " FROM pg_stat_activity WHERE datname = 'orders_db' AND backend_type = 'client backend'"
                         + " AND pid <> pg_backend_pid() AND state <> 'idle'")) {
                rs.next();
                return rs.getString(1);
            }
        }, String::isEmpty);
    }

    private static Set<Feature> features(String names) {
        Set<Feature> features = EnumSet.noneOf(Feature.class);
        for (String name : names.split(",")) {
            if (!name.isBlank()) {
                features.add(Feature.valueOf(name.strip().toUpperCase(java.util.Locale.ROOT)));
            }
        }
        return features;
    }

    /** SplitMix64 over (seed, database, round, client): each sequence's seed, the same on every replay. */
    private static long sequenceSeed(String database, int round, int client) {
        long seed = mix(SEED + database.hashCode());
        seed = mix(seed + round);
        return mix(seed + client);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    @FunctionalInterface
    private interface Check {
        void run() throws Exception;
    }

    /** One round's sequences, and how to tell who holds a server and what leaked, for a failure's report. */
    private record Round(String database, int round, List<Sequence> sequences, Eventually.Probe<String> diagnosis) {

        void check(String invariant, Check check) {
            try {
                check.run();
            } catch (Exception | AssertionError e) {
                throw failure(invariant + ": " + e);
            }
        }

        AssertionError failure(String what) {
            String diagnosed;
            try {
                diagnosed = diagnosis.read();
            } catch (Exception unreadable) {
                diagnosed = "(no diagnosis: " + unreadable + ")";
            }
            StringBuilder text = new StringBuilder("protocol fuzz of ").append(database).append(", seed ").append(SEED)
                    .append(", round ").append(round).append(":\n").append(what).append('\n').append(diagnosed)
                    .append("\nreplay: -DprotocolFuzz.seed=").append(SEED).append(" -DprotocolFuzz.round=").append(round)
                    .append(" -DprotocolFuzz.rounds=1 -DprotocolFuzz.clients=").append(CLIENTS)
                    .append(" -DprotocolFuzz.database=").append(database).append(WITHOUT.isBlank() ? "" : " -DprotocolFuzz.without=" + WITHOUT)
                    .append("\nthe round's sequences, one per client, played at once:");
            for (int i = 0; i < sequences.size(); i++) {
                text.append("\n  client ").append(i).append(", ").append(sequences.get(i).describe());
            }
            return new AssertionError(text.toString());
        }
    }
}
