package io.pgwarden.frontend;

import io.pgwarden.Eventually;
import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import io.pgwarden.metrics.PrometheusText;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pinning in transaction mode: a client that creates session state keeps its server until the state
 * is gone, sees exactly what it would see directly, and no other client ever sees its state.
 * orders_tx has 4 servers here and at most 2 pinned clients; orders_tx1 one server.
 *
 * <p>Most scenarios make the pinned client's server attractive to others: while it is idle between
 * transactions, three other clients each hold a server in an open transaction. Without pinning one
 * of them takes its (idle) server, and its next transaction runs on another.
 */
@WithPlatform({"TX_POOL_SIZE=4", "TX_MAX_PINNED=2"})
class PinningIT {

    private static TestPlatform platform;

    private final List<Connection> holders = new ArrayList<>();

    @AfterEach
    void releaseHolders() throws Exception {
        for (Connection holder : holders) {
            holder.close();
        }
        holders.clear();
        try (Connection console = platform.console(); Statement st = console.createStatement()) {
            Eventually.await("every orders_tx server to be given back", () -> TestPlatform.poolCount(st, "orders_tx", "sv_active") == 0);
        }
    }

    private static Connection tx() throws SQLException {
        return platform.connect("orders-service", "orders_tx");
    }

    private static Connection tx(String database) throws SQLException {
        return platform.connect("orders-service", TestPlatform.PASSWORDS.get("orders-service"), database, new Properties());
    }

    /** Three other clients hold a server each, inside a transaction; returns the backends they run on. */
    private List<Integer> othersHoldServers() throws SQLException {
        List<Integer> pids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Connection other = tx();
            holders.add(other);
            other.setAutoCommit(false);
            pids.add(Integer.parseInt(single(other.createStatement(), "SELECT pg_backend_pid()")));
        }
        return pids;
    }

    private static String single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getString(1);
        }
    }

    /** SHOW CLIENTS' pin_reasons of the one orders_tx client that has any, or "" when none is pinned. */
    private static String pinReasons() throws SQLException {
        try (Connection console = platform.console(); Statement st = console.createStatement(); ResultSet rs = st.executeQuery("SHOW CLIENTS")) {
            String reasons = "";
            while (rs.next()) {
                if ("orders_tx".equals(rs.getString("database")) && rs.getInt("pinned") == 1) {
                    assertEquals("", reasons, "one pinned client expected");
                    reasons = rs.getString("pin_reasons");
                }
            }
            return reasons;
        }
    }

    @Test
    void aTempTableOutlivesItsTransactionAndNoOtherClientEverSeesIt() throws Exception {
        try (Connection a = tx(); Statement st = a.createStatement()) {
            st.execute("CREATE TEMP TABLE scratch (id int)");
            String pid = single(st, "SELECT pg_backend_pid()");
            assertEquals("temp_table", pinReasons());

            List<Integer> others = othersHoldServers();
            assertFalse(others.contains(Integer.parseInt(pid)), "nobody else gets the pinned client's server");
            for (Connection other : holders) {
                assertEquals(null, single(other.createStatement(), "SELECT to_regclass('pg_temp.scratch')::text"));
            }
            st.execute("INSERT INTO scratch VALUES (1)");
            assertEquals("1", single(st, "SELECT count(*) FROM scratch"));
            assertEquals(pid, single(st, "SELECT pg_backend_pid()"));

            st.execute("DISCARD TEMP");
            assertEquals("", pinReasons(), "the state is gone: so is the pin");
            try (Connection console = platform.console(); Statement admin = console.createStatement()) {
                Eventually.await("the unpinned client to hold no server between transactions",
                        () -> TestPlatform.poolCount(admin, "orders_tx", "sv_active") == 3);
            }
        }
    }

    /* Fails on a pooler that leaves the temporary table on the server: the next client gets 42P07. */
    @Test
    void aTempTableLeftByAClientThatDisconnectedNeverCollidesWithTheNextClients() throws SQLException {
        for (int i = 0; i < 3; i++) {
            try (Connection c = tx("orders_tx1"); Statement st = c.createStatement()) {
                st.execute("CREATE TEMP TABLE collide (id int)"); // one server for everybody: the same one each time
                st.execute("INSERT INTO collide VALUES (1)");
            }
        }
    }

    @Test
    void aListeningClientReceivesNotificationsWhileIdleAndStopsBeingPinnedAfterUnlistenAll() throws Exception {
        try (Connection listener = tx(); Statement st = listener.createStatement(); Connection sender = tx();
             Statement send = sender.createStatement()) {
            st.execute("LISTEN orders_events");
            assertEquals("listen", pinReasons());
            send.execute("NOTIFY orders_events, 'first'");
            // no query from the listener: the notification reaches it while it is idle
            PGNotification[] received = listener.unwrap(PGConnection.class).getNotifications(10_000);
            assertNotNull(received, "a notification within 10 s");
            assertEquals(1, received.length);
            assertEquals("orders_events", received[0].getName());
            assertEquals("first", received[0].getParameter());

            send.execute("SELECT 1");
            send.execute("NOTIFY orders_events, 'second'");
            received = listener.unwrap(PGConnection.class).getNotifications(10_000);
            assertNotNull(received);
            assertEquals("second", received[0].getParameter());

            st.execute("UNLISTEN *");
            assertEquals("", pinReasons());
        }
    }

    /*
     * A LISTEN the scan cannot see (inside a DO block) leaves a listening server in the pool: its
     * first notification shows it, and the server is closed rather than handed to anyone.
     */
    @Test
    void aServerLeftListeningByAnUnseenListenIsClosedAtItsFirstNotification() throws Exception {
        String pid;
        try (Connection hidden = tx(); Statement st = hidden.createStatement()) {
            st.execute("DO $$ BEGIN EXECUTE 'LISTEN hidden_channel'; END $$; SELECT pg_backend_pid()");
            st.getMoreResults();
            try (ResultSet rs = st.getResultSet()) {
                rs.next();
                pid = rs.getString(1);
            }
            assertEquals("", pinReasons(), "not seen by the scan");
        }
        try (Connection admin = platform.admin(); Statement st = admin.createStatement();
             Connection sender = platform.connect("orders-service", "orders"); Statement send = sender.createStatement()) {
            assertEquals("1", single(st, "SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid), "its server is in the pool");
            send.execute("NOTIFY hidden_channel, 'who listens?'"); // notifications stay within orders_db
            Eventually.await("the listening server to be closed",
                    () -> "0".equals(single(st, "SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid)));
        }
    }

    @Test
    void aSessionAdvisoryLockStaysWithItsClientAndNoOtherClientGetsItsServer() throws Exception {
        try (Connection a = tx(); Statement st = a.createStatement()) {
            single(st, "SELECT pg_advisory_lock(4242)");
            assertEquals("advisory_lock", pinReasons());
            for (int i = 0; i < 3; i++) {
                try (Connection b = tx(); Statement bs = b.createStatement()) {
                    // session locks are re-entrant: on the pinned client's server this would say true
                    assertEquals("false", single(bs, "SELECT pg_try_advisory_lock(4242)::text"), "round " + i);
                }
            }
            single(st, "SELECT pg_advisory_unlock_all()");
            assertEquals("", pinReasons());
            try (Connection b = tx(); Statement bs = b.createStatement()) {
                assertEquals("true", single(bs, "SELECT pg_try_advisory_lock(4242)::text"));
                single(bs, "SELECT pg_advisory_unlock_all()");
            }
        }
    }

    @Test
    void aWithHoldCursorCanBeFetchedInLaterTransactions() throws Exception {
        try (Connection a = tx(); Statement st = a.createStatement()) {
            st.execute("DECLARE numbers CURSOR WITH HOLD FOR SELECT generate_series(1, 3)");
            assertEquals("hold_cursor", pinReasons());
            othersHoldServers();
            assertEquals("1", single(st, "FETCH 1 FROM numbers"));
            assertEquals("2", single(st, "FETCH 1 FROM numbers"));
            st.execute("CLOSE ALL");
            assertEquals("", pinReasons());
        }
    }

    @Test
    void sqlLevelPrepareAndExecuteWorkAcrossTransactions() throws Exception {
        try (Connection a = tx(); Statement st = a.createStatement()) {
            st.execute("PREPARE twice(int) AS SELECT $1 * 2");
            assertEquals("prepared_statement", pinReasons());
            othersHoldServers();
            assertEquals("42", single(st, "EXECUTE twice(21)"));
            st.execute("DEALLOCATE ALL");
            assertEquals("", pinReasons());
        }
    }

    /* pg_dump 17 runs PREPARE dumpFunc(...): on a pooler that keeps it on the server, the next pg_dump there fails (42P05). */
    @Test
    void aPreparedStatementLeftByAClientThatDisconnectedNeverCollidesWithTheNextClients() throws SQLException {
        for (int i = 0; i < 3; i++) {
            try (Connection c = tx("orders_tx1"); Statement st = c.createStatement()) {
                st.execute("PREPARE dumpFunc(pg_catalog.oid) AS SELECT $1");
                assertEquals("7", single(st, "EXECUTE dumpFunc(7)"));
            }
        }
    }

    /**
     * Liquibase sets search_path at every Keycloak boot; PostgreSQL 17 does not report it. pgwarden asks
     * the server for it once the transaction is over instead of pinning: the client stays unpinned,
     * finds its search_path on whichever server runs its next transaction, and no other client finds
     * it on the server it left. (It pinned until 2026-12-06: a Keycloak instance held 1 or 2 servers
     * for as long as it ran, and past max_pinned the next instance failed to boot.)
     */
    @Test
    void aSearchPathSetByAClientGoesWithItToItsNextServersWithoutPinningAndReachesNoOther() throws Exception {
        List<Connection> others = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            others.add(tx());
        }
        holders.addAll(others);
        String usual = single(others.get(0).createStatement(), "SHOW search_path");
        try (Connection a = tx(); Statement st = a.createStatement()) {
            st.execute("SET SEARCH_PATH TO public, \"$user\",\"public\"");
            assertEquals("", pinReasons(), "a SET search_path does not pin");
            String own = "public, \"$user\", public";
            assertEquals(own, single(st, "SHOW search_path"));
            String left = single(st, "SELECT pg_backend_pid()");
            // the others take three of the four servers, the one the client just left among them if they can
            List<String> theirs = new ArrayList<>();
            for (Connection other : others) {
                other.setAutoCommit(false);
                Statement os = other.createStatement();
                theirs.add(single(os, "SELECT pg_backend_pid()"));
                assertEquals(usual, single(os, "SHOW search_path"), "another client on " + theirs.get(theirs.size() - 1)
                        + " (the client left " + left + ")");
            }
            String now = single(st, "SELECT pg_backend_pid()");
            assertFalse(theirs.contains(now));
            assertEquals(own, single(st, "SHOW search_path"), "on " + now + " too");
            assertEquals("2", single(st, "SELECT count(*) FROM pg_class WHERE relname IN ('pg_class', 'pg_type')"));
            for (Connection other : others) {
                other.commit();
            }
            st.execute("RESET search_path");
            assertEquals("", pinReasons());
            assertEquals(usual, single(st, "SHOW search_path"), "after RESET, its usual one again");
        }
    }

    /*
     * The others log in before the SET (a login resets the settings of its server): on a pooler that
     * leaves the setting on the server, the one that gets that server next runs with it.
     */
    @Test
    void aSettingPostgresqlDoesNotReportStaysWithItsClientAndNeverReachesAnother() throws Exception {
        String pid;
        List<Connection> others = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            others.add(tx());
        }
        holders.addAll(others);
        try (Connection a = tx(); Statement st = a.createStatement()) {
            st.execute("SET statement_timeout = '7s'");
            assertEquals("setting", pinReasons());
            pid = single(st, "SELECT pg_backend_pid()");
            for (Connection other : others) {
                other.setAutoCommit(false);
                Statement os = other.createStatement();
                assertEquals("0", single(os, "SHOW statement_timeout"), "on " + single(os, "SELECT pg_backend_pid()")
                        + ", the pinned client's server is " + pid);
            }
            assertEquals("7s", single(st, "SHOW statement_timeout"));
            assertEquals(pid, single(st, "SELECT pg_backend_pid()"));
        }
        releaseHolders();
        // four clients in a transaction each: one of them runs on the server the pinned client had
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Connection b = tx();
            holders.add(b);
            b.setAutoCommit(false);
            Statement bs = b.createStatement();
            seen.add(single(bs, "SELECT pg_backend_pid()") + ":" + single(bs, "SHOW statement_timeout"));
        }
        assertTrue(seen.contains(pid + ":0"), "the pinned client's server was given back reset: " + seen + ", it was " + pid);
        assertEquals(4, seen.stream().filter(s -> s.endsWith(":0")).count(), seen.toString());
    }

    @Test
    void settingsPgwardenCarriesItselfAndTransactionLocalOnesDoNotPin() throws Exception {
        try (Connection a = tx(); Statement st = a.createStatement()) {
            st.execute("SET application_name = 'billing'");
            st.execute("SET TIME ZONE 'Asia/Tokyo'");
            st.execute("BEGIN; SET LOCAL statement_timeout = '1s'; CREATE TEMP TABLE gone (id int) ON COMMIT DROP; COMMIT");
            assertEquals("", pinReasons());
            try (Connection console = platform.console(); Statement admin = console.createStatement()) {
                Eventually.await("the client to hold no server", () -> TestPlatform.poolCount(admin, "orders_tx", "sv_active") == 0);
            }
            assertEquals("billing", single(st, "SHOW application_name"));
        }
    }

    @Test
    void resetAllEndsASettingPinButAFailedOrRolledBackResetKeepsIt() throws Exception {
        try (Connection a = tx(); Statement st = a.createStatement()) {
            st.execute("SET work_mem = '8MB'");
            st.execute("BEGIN; RESET ALL; ROLLBACK");
            assertEquals("setting", pinReasons(), "rolled back: work_mem is still 8MB");
            assertEquals("8MB", single(st, "SHOW work_mem"));
            assertThrows(SQLException.class, () -> st.execute("RESET ALL; SELECT 1/0"));
            assertEquals("setting", pinReasons(), "failed with its implicit transaction");
            st.execute("RESET ALL");
            assertEquals("", pinReasons());
        }
    }

    @Test
    void setRoleKeepsItsRoleForTheClientAndNeverForAnother() throws Exception {
        try (Connection admin = platform.admin(); Statement st = admin.createStatement()) {
            st.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pin_reader') THEN CREATE ROLE pin_reader; END IF; END $$");
            st.execute("GRANT pin_reader TO orders_owner");
        }
        try (Connection a = tx(); Statement st = a.createStatement()) {
            st.execute("SET ROLE pin_reader");
            assertEquals("role", pinReasons());
            othersHoldServers();
            assertEquals("pin_reader", single(st, "SELECT current_user"));
            for (Connection other : holders) {
                assertEquals("orders_owner", single(other.createStatement(), "SELECT current_user"));
            }
            st.execute("RESET ROLE");
            assertEquals("", pinReasons());
            assertEquals("orders_owner", single(st, "SELECT current_user"));
        }
    }

    @Test
    void pastMaxPinnedAPinningStatementIsRefusedWith53400AndTheClientGoesOn() throws Exception {
        try (Connection a = tx(); Statement as = a.createStatement(); Connection b = tx(); Statement bs = b.createStatement();
             Connection c = tx(); Statement cs = c.createStatement()) {
            as.execute("SET work_mem = '2MB'");
            bs.execute("LISTEN anything");
            SQLException refused = assertThrows(SQLException.class, () -> cs.execute("CREATE TEMP TABLE third (id int)"));
            assertEquals("53400", refused.getSQLState());
            assertTrue(refused.getMessage().contains("max_pinned"), refused.getMessage());
            assertEquals("1", single(cs, "SELECT 1"), "an ERROR, not a FATAL: the client goes on");
            assertEquals(null, single(cs, "SELECT to_regclass('pg_temp.third')::text"), "the statement did not run");

            c.setAutoCommit(false);
            SQLException inTransaction = assertThrows(SQLException.class, () -> cs.execute("SET work_mem = '4MB'"));
            assertEquals("53400", inTransaction.getSQLState());
            assertEquals("25P02", assertThrows(SQLException.class, () -> cs.execute("SELECT 1")).getSQLState(),
                    "the transaction failed, as PostgreSQL's own error would fail it");
            c.rollback();
            c.setAutoCommit(true);

            as.execute("RESET ALL"); // a's place is free again
            cs.execute("CREATE TEMP TABLE third (id int)");
            assertEquals("third", single(cs, "SELECT to_regclass('pg_temp.third')::text"), "c is pinned in a's place");
        }
    }

    @Test
    void pinningIsCountedInTheMetrics() throws Exception {
        double before = metrics().find("pgwarden_pins_total", Map.of("database", "orders_tx", "reason", "hold_cursor")).orElse(0.0);
        try (Connection a = tx(); Statement st = a.createStatement()) {
            st.execute("DECLARE counted CURSOR WITH HOLD FOR SELECT 1");
            PrometheusText pinned = metrics();
            assertEquals(1, pinned.value("pgwarden_pinned_clients", Map.of("database", "orders_tx", "reason", "hold_cursor")));
            assertEquals(0, pinned.value("pgwarden_pinned_clients", Map.of("database", "orders_tx", "reason", "listen")));
            assertEquals(before + 1, pinned.value("pgwarden_pins_total", Map.of("database", "orders_tx", "reason", "hold_cursor")));
        }
        Eventually.await("the pin to end with its client",
                () -> metrics().value("pgwarden_pinned_clients", Map.of("database", "orders_tx", "reason", "hold_cursor")) == 0);
    }

    @Test
    void theExtendedProtocolPinsToo() throws Exception {
        Properties props = new Properties();
        props.setProperty("prepareThreshold", "1"); // named server-side statements from the first execution
        try (Connection a = platform.connect("orders-service", TestPlatform.PASSWORDS.get("orders-service"), "orders_tx", props)) {
            try (var create = a.prepareStatement("CREATE TEMP TABLE extended (id int)")) {
                create.execute();
            }
            assertEquals("temp_table", pinReasons());
            othersHoldServers();
            try (var insert = a.prepareStatement("INSERT INTO extended VALUES (?)")) {
                insert.setInt(1, 5);
                insert.executeUpdate();
            }
            try (var discard = a.prepareStatement("DISCARD TEMP")) {
                discard.execute();
            }
            assertEquals("", pinReasons());
        }
    }

    private static PrometheusText metrics() throws Exception {
        int port = platform.pgwarden().httpPort().orElseThrow();
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return PrometheusText.parse(response.body());
    }

    @Test
    void anUnpinnedClientSharesServersAgain() throws Exception {
        try (Connection a = tx(); Statement st = a.createStatement(); Connection console = platform.console();
             Statement admin = console.createStatement()) {
            st.execute("SET lock_timeout = '3s'");
            Eventually.await("the pinned client to hold its server while idle", () -> TestPlatform.poolCount(admin, "orders_tx", "sv_active") == 1);
            st.execute("RESET ALL");
            Eventually.await("the server to be free again", () -> TestPlatform.poolCount(admin, "orders_tx", "sv_active") == 0);
            assertNotEquals("3s", single(st, "SHOW lock_timeout"));
        }
    }
}
