package io.pgwarden.fleet;

import io.pgwarden.Eventually;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three replicas share one instance with max_connections = 30 (a budget of 17 for the whole fleet):
 * under a flood from all three PostgreSQL never refuses a connection and never holds more than 17 of
 * theirs, a calm database stays served, and when one replica dies the others take its part.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetBudgetIT {

    private static final String CONFIG = """
            listen: {host: 127.0.0.1, port: "${PORT}"}
            limits: {max_client_connections: 300, max_pending_logins_per_address: 0}
            backends:
              main: {host: 127.0.0.1, port: "${PG_PORT}", admin_user: postgres, sample_interval: 200ms}
            pool: {pool_mode: transaction, query_wait_timeout: 30s}
            databases:
              noisy: {backend: main, dbname: noisy_db, user: noisy_owner, password: noisy-pw, pool_size: 40}
              calm:  {backend: main, dbname: calm_db,  user: calm_owner,  password: calm-pw,  pool_size: 10}
            services:
              noisy-service: {password: noisy, databases: [noisy]}
              calm-service:  {password: calm,  databases: [calm]}
            fleet:
              replica_id: "${REPLICA}"
              expected_replicas: 3
              peers: ["127.0.0.1:${PEER0}", "127.0.0.1:${PEER1}", "127.0.0.1:${PEER2}"]
              peer_refresh_interval: 1s
            """;
    private static final int BUDGET = 17; // 30 - 3 superuser_reserved_connections - 10 headroom

    private static LocalFleet fleet;
    private static boolean front;
    private static Connection admin;
    private static final AtomicInteger mostHeld = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        fleet = LocalFleet.start(CONFIG, Map.of("max_connections", "30"));
        front = fleet.startFront();
        if (!front) {
            System.out.println("haproxy is not installed: clients pick the replicas round robin themselves");
        }
        admin = fleet.admin();
    }

    @AfterAll
    static void stop() throws Exception {
        if (admin != null) {
            admin.close();
        }
        if (fleet != null) {
            fleet.close();
        }
    }

    /** Server connections of the fleet's databases that PostgreSQL holds now; the largest seen is kept. */
    private static synchronized int held() throws SQLException {
        try (Statement st = admin.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE usename IN ('noisy_owner', 'calm_owner')")) {
            rs.next();
            mostHeld.accumulateAndGet(rs.getInt(1), Math::max);
            return rs.getInt(1);
        }
    }

    private static int capacity(int replica) {
        return (int) fleet.metrics(replica).value("pgwarden_backend_budget_connections", Map.of("backend", "main"));
    }

    private static String url(int replica, String database) {
        int port = front ? fleet.frontPort() : fleet.port(replica);
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?connectTimeout=10&socketTimeout=60";
    }

    /** A client running {@code sql} back to back until told to stop; reconnects (through the front, or to the next replica) when its connection breaks. */
    private static void client(int replica, String service, String password, String database, String sql, AtomicBoolean running,
                               AtomicLong done, AtomicLong doneAfterKill, AtomicBoolean killed, List<String> errors) {
        int target = replica;
        while (running.get()) {
            try (Connection c = DriverManager.getConnection(url(target, database), service, password);
                 Statement st = c.createStatement()) {
                while (running.get()) {
                    st.execute(sql);
                    done.incrementAndGet();
                    if (killed.get()) {
                        doneAfterKill.incrementAndGet();
                    }
                }
            } catch (SQLException e) {
                String state = String.valueOf(e.getSQLState());
                if (!killed.get() || !(state.startsWith("08") || state.startsWith("57P"))) {
                    errors.add(database + " via replica " + target + ": " + state + " " + e.getMessage());
                }
                target = (target + 1) % LocalFleet.SIZE; // what the front does for a replica that is gone
            }
        }
    }

    /*
     * 15 flood clients and 2 calm ones on each replica. Fails if PostgreSQL ever shows more than 17
     * connections of the fleet, if any client sees an error (PostgreSQL refusing a connection included),
     * if the replicas do not settle on about a third each, or if the calm database stops being served.
     */
    @Test
    @Order(1)
    void underAFloodFromAllThreeTheFleetStaysWithinTheBudgetAndTheCalmDatabaseIsServed() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicBoolean killed = new AtomicBoolean(false);
        AtomicLong noisy = new AtomicLong();
        AtomicLong calm = new AtomicLong();
        List<String> errors = new CopyOnWriteArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(3 * 17);
        try {
            for (int r = 0; r < LocalFleet.SIZE; r++) {
                int replica = r;
                for (int i = 0; i < 15; i++) {
                    clients.submit(() -> client(replica, "noisy-service", "noisy", "noisy", "SELECT pg_sleep(0.05)", running,
                            noisy, new AtomicLong(), killed, errors));
                }
                for (int i = 0; i < 2; i++) {
                    clients.submit(() -> client(replica, "calm-service", "calm", "calm", "SELECT 1", running, calm,
                            new AtomicLong(), killed, errors));
                }
            }
            Eventually.await("the flood to fill the fleet's budget", () -> held(), n -> n >= BUDGET - 2);
            List<Integer> settled = Eventually.await("each replica to hold about a third of the budget", Duration.ofSeconds(30), () -> {
                held();
                return List.of(capacity(0), capacity(1), capacity(2));
            }, c -> c.get(0) >= 4 && c.get(1) >= 4 && c.get(2) >= 4 && c.get(0) + c.get(1) + c.get(2) <= BUDGET);
            long calmBefore = calm.get();
            long noisyBefore = noisy.get();
            Eventually.await("the calm database to get 300 transactions through during the flood", () -> {
                held();
                return calm.get() - calmBefore;
            }, n -> n >= 300);
            assertTrue(noisy.get() > noisyBefore, "the flood went on meanwhile");
            System.out.printf("fleet flood: capacities %s of %d, at most %d server connections seen%n", settled, BUDGET, mostHeld.get());
        } finally {
            running.set(false);
            clients.shutdown();
            assertTrue(clients.awaitTermination(60, TimeUnit.SECONDS));
        }
        assertEquals(List.of(), errors);
        assertTrue(mostHeld.get() <= BUDGET, "PostgreSQL held " + mostHeld.get() + " of the fleet's connections, more than " + BUDGET);
    }

    /*
     * The flood again; once the replicas have settled, replica 2 is closed with its clients and
     * connections. Its clients reconnect through the front (or to the next replica), and the two left
     * take its part of the budget. Errors allowed only for the connections the dead replica dropped.
     */
    @Test
    @Order(2)
    void whenAReplicaDiesTheOthersTakeItsPartAndItsClientsReconnect() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicBoolean killed = new AtomicBoolean(false);
        AtomicLong noisy = new AtomicLong();
        List<AtomicLong> afterKill = new ArrayList<>();
        List<String> errors = new CopyOnWriteArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(3 * 12);
        try {
            for (int r = 0; r < LocalFleet.SIZE; r++) {
                int replica = r;
                for (int i = 0; i < 12; i++) {
                    AtomicLong mine = new AtomicLong();
                    afterKill.add(mine);
                    clients.submit(() -> client(replica, "noisy-service", "noisy", "noisy", "SELECT pg_sleep(0.05)", running,
                            noisy, mine, killed, errors));
                }
            }
            Eventually.await("the replicas to settle on about a third each", Duration.ofSeconds(30), () -> {
                held();
                return List.of(capacity(0), capacity(1), capacity(2));
            }, c -> c.get(0) >= 4 && c.get(1) >= 4 && c.get(2) >= 4);
            killed.set(true);
            long killedAt = System.nanoTime();
            fleet.kill(2);
            List<Integer> taken = Eventually.await("replicas 0 and 1 to take replica 2's part", () -> {
                held();
                return List.of(capacity(0), capacity(1));
            }, c -> c.get(0) + c.get(1) >= BUDGET - 1);
            long tookMillis = (System.nanoTime() - killedAt) / 1_000_000;
            Map<Integer, Long> stuck = new ConcurrentHashMap<>();
            Eventually.await("every client to get a transaction through after the kill", () -> {
                held();
                stuck.clear();
                for (int i = 0; i < afterKill.size(); i++) {
                    if (afterKill.get(i).get() == 0) {
                        stuck.put(i, 0L);
                    }
                }
                return stuck.size();
            }, n -> n == 0);
            System.out.printf("fleet kill: replicas 0 and 1 held %d + %d of %d budget %d ms after replica 2 died; "
                    + "at most %d server connections seen%n", taken.get(0), taken.get(1), BUDGET, tookMillis, mostHeld.get());
        } finally {
            running.set(false);
            clients.shutdown();
            assertTrue(clients.awaitTermination(60, TimeUnit.SECONDS));
        }
        assertEquals(List.of(), errors);
        assertTrue(mostHeld.get() <= BUDGET, "PostgreSQL held " + mostHeld.get() + " of the fleet's connections, more than " + BUDGET);
    }
}
