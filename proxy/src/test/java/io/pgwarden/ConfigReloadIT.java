package io.pgwarden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgwarden.admin.ReloadOutcome;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A reload while clients are connected: what changes at once, what waits for a transaction's end, and what not at all. */
@WithPlatform
class ConfigReloadIT {

    private static TestPlatform platform;

    @AfterEach
    void backToTheOriginalFile() {
        ReloadOutcome outcome = platform.reload(TestPlatform.CONFIG);
        assertTrue(outcome.success(), outcome.lines().toString());
    }

    private static ReloadOutcome reload(String file) {
        ReloadOutcome outcome = platform.reload(file);
        assertTrue(outcome.success(), outcome.lines().toString());
        return outcome;
    }

    private static int count(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static int clientsOf(String database) {
        return platform.pgwarden().pool(database).clients().size();
    }

    @Test
    void aRevokedGrantEndsTheClientAtTheEndOfItsTransactionWith42501() throws Exception {
        try (Connection session = platform.connect("reporting-service", "payments");
             Connection other = platform.connect("reporting-service", "orders")) {
            session.setAutoCommit(false);
            Statement st = session.createStatement();
            assertEquals(1, count(st, "SELECT 1"));

            ReloadOutcome outcome = reload(TestPlatform.CONFIG.replace(
                    "reporting-service: {password: reporting-pw, databases: [orders, payments]}",
                    "reporting-service: {password: reporting-pw, databases: [orders]}"));
            assertEquals(List.of("service \"reporting-service\" no longer granted database \"payments\": its clients there are"
                    + " ended at the end of their transaction"), outcome.lines());

            // inside its transaction nothing changes: it runs to its end
            assertEquals(2, count(st, "SELECT 2"));
            session.commit();
            // then the client is told, and goes
            SQLException ended = assertThrows(SQLException.class, () -> count(st, "SELECT 3"));
            assertEquals("42501", ended.getSQLState(), ended.getMessage());
            assertTrue(ended.getMessage().contains("no longer granted access"), ended.getMessage());
            // a new login is refused; the grant kept is untouched
            SQLException refused = assertThrows(SQLException.class, () -> platform.connect("reporting-service", "payments").close());
            assertEquals("42501", refused.getSQLState());
            try (Statement kept = other.createStatement()) {
                assertEquals(4, count(kept, "SELECT 4"));
            }
        }
    }

    @Test
    void aRemovedServiceInTransactionModeGoesAtOnceWhenIdleAndAfterItsTransactionOtherwise() throws Exception {
        try (Connection idle = platform.connect("orders-service", "orders_tx");
             Connection busy = platform.connect("orders-service", "orders_tx")) {
            busy.setAutoCommit(false);
            Statement st = busy.createStatement();
            assertEquals(1, count(st, "SELECT 1"));
            assertEquals(1, count(idle.createStatement(), "SELECT 1"));

            String withoutOrdersService = TestPlatform.CONFIG.replaceAll(
                    "(?s)  orders-service:\\n.*?databases: \\[orders, orders_tx, orders_tx1\\]\\n", "");
            ReloadOutcome outcome = reload(withoutOrdersService);
            assertTrue(outcome.lines().contains("service \"orders-service\" removed: its clients are ended at the end of their"
                    + " transaction"), outcome.lines().toString());

            Eventually.await("the idle client ended", () -> clientsOf("orders_tx"), n -> n == 1);
            assertEquals(2, count(st, "SELECT 2"), "the transaction goes on");
            busy.commit();
            Eventually.await("the busy client ended after its commit", () -> clientsOf("orders_tx"), n -> n == 0);
            SQLException e = assertThrows(SQLException.class, () -> count(st, "SELECT 3"));
            assertEquals("42501", e.getSQLState(), e.getMessage());
        }
    }

    @Test
    void aFileWithAnErrorChangesNothingAndSaysWhereTheErrorIs() throws Exception {
        double failuresBefore = failedReloads();
        ReloadOutcome outcome = platform.reload(TestPlatform.CONFIG
                .replace("reporting-service: {password: reporting-pw, databases: [orders, payments]}",
                        "reporting-service: {password: reporting-pw, databases: [orders]}")
                .replace("users:    {backend: main, dbname: users_db,    user: users_owner,    password: users-db-pw, pool_size: 1}",
                        "users:    {backend: main, dbname: users_db,    user: users_owner,    password: users-db-pw, pool_size: 0}"));
        assertFalse(outcome.success());
        assertEquals(List.of("test.yaml: databases.users.pool_size (line 9): must be between 1 and 10000"), outcome.lines());
        assertEquals(failuresBefore + 1, failedReloads());
        // the grant the broken file would have revoked still works
        try (Connection c = platform.connect("reporting-service", "payments"); Statement st = c.createStatement()) {
            assertEquals(1, count(st, "SELECT 1"));
        }
    }

    private static double failedReloads() {
        return platform.pgwarden().observability().metrics().registry().counter("pgwarden.config.reloads", "result", "failure").count();
    }

    @Test
    void servicesDatabasesAndPasswordsAddedOrChangedServeNewLoginsAtOnce() throws Exception {
        try (Connection before = platform.connect("payments-service", "payments")) {
            reload(TestPlatform.CONFIG
                    .replace("payments-service: {password: payments-pw, databases: [payments]}",
                            "payments-service: {password: payments-pw2, databases: [payments, plain2]}\n"
                                    + "  newcomer: {password: newcomer-pw, databases: [plain2]}")
                    .replace("  plain:    {backend: main, dbname: plain_db,    user: plain_owner,    password: plain-db-pw}",
                            "  plain:    {backend: main, dbname: plain_db,    user: plain_owner,    password: plain-db-pw}\n"
                                    + "  plain2:   {backend: main, dbname: plain_db,    user: plain_owner,    password: plain-db-pw}"));
            // the client connected before keeps its session
            assertEquals(1, count(before.createStatement(), "SELECT 1"));
            SQLException old = assertThrows(SQLException.class,
                    () -> platform.connect("payments-service", "payments-pw", "payments", new Properties()).close());
            assertEquals("28P01", old.getSQLState());
            try (Connection c = platform.connect("payments-service", "payments-pw2", "plain2", new Properties());
                 Connection n = platform.connect("newcomer", "newcomer-pw", "plain2", new Properties())) {
                try (ResultSet rs = c.createStatement().executeQuery("SELECT current_database()")) {
                    rs.next();
                    assertEquals("plain_db", rs.getString(1));
                }
                assertEquals(1, count(n.createStatement(), "SELECT 1"));
            }
        }
    }

    @Test
    void aRemovedDatabaseEndsItsClientsAtTheirTransactionsEndAndClosesItsServers() throws Exception {
        try (Connection c = platform.connect("md5-service", "plain")) {
            c.setAutoCommit(false);
            Statement st = c.createStatement();
            assertEquals(1, count(st, "SELECT 1"));
            reload(TestPlatform.CONFIG.replace(
                    "  plain:    {backend: main, dbname: plain_db,    user: plain_owner,    password: plain-db-pw}\n", "")
                    .replace("databases: [orders, legacy, plain, trusted, orders_tx]", "databases: [orders, legacy, trusted, orders_tx]"));
            SQLException refused = assertThrows(SQLException.class, () -> platform.connect("md5-service", "plain").close());
            assertEquals("42501", refused.getSQLState());
            assertEquals(2, count(st, "SELECT 2"));
            c.commit();
            SQLException ended = assertThrows(SQLException.class, () -> count(st, "SELECT 3"));
            assertTrue(List.of("42501", "57P01").contains(ended.getSQLState()), ended.getSQLState() + " " + ended.getMessage());
            Eventually.await("plain_db's server connections closed", () -> platform.backendConnections("plain_db"), n -> n == 0);
            Eventually.await("plain's pool gone", () -> platform.pgwarden().runningConfig().databases().containsKey("plain")
                    || platform.pgwarden().pools().find("plain") != null, gone -> !gone);
        }
    }

    @Test
    void aLargerPoolSizeServesAWaitingClientAtOnce() throws Exception {
        try (Connection first = platform.connect("users-service", "users")) {
            assertEquals(1, count(first.createStatement(), "SELECT 1"));
            CompletableFuture<Integer> second = CompletableFuture.supplyAsync(() -> {
                try (Connection c = platform.connect("users-service", "users")) {
                    return count(c.createStatement(), "SELECT 2");
                } catch (SQLException e) {
                    throw new RuntimeException(e);
                }
            });
            Eventually.await("the second client waits for users' only server",
                    () -> platform.pgwarden().pool("users").stats().waiting(), n -> n == 1);
            ReloadOutcome outcome = reload(TestPlatform.CONFIG.replace("user: users_owner,    password: users-db-pw, pool_size: 1}",
                    "user: users_owner,    password: users-db-pw, pool_size: 2}"));
            assertEquals(List.of("database \"users\": pool_size 1 -> 2"), outcome.lines());
            assertEquals(2, second.get(10, TimeUnit.SECONDS));
            assertEquals(2, platform.pgwarden().pool("users").view().poolSize());
        }
    }

    @Test
    void aNewRoleOrPasswordIsUsedByNewServerConnectionsAndOldOnesRetire() throws Exception {
        int before;
        try (Connection c = platform.connect("md5-service", "trusted")) {
            before = count(c.createStatement(), "SELECT pg_backend_pid()");
        }
        // trust needs no password: a new one in the file changes the login of new servers only
        ReloadOutcome outcome = reload(TestPlatform.CONFIG.replace("user: trusted_owner,", "user: trusted_owner, password: now-set,"));
        assertEquals(List.of("database \"trusted\": password changed (new server connections; open ones are closed when next idle)"),
                outcome.lines());
        try (Connection c = platform.connect("md5-service", "trusted")) {
            int after = count(c.createStatement(), "SELECT pg_backend_pid()");
            assertTrue(after != before, "the idle server of the old login was retired");
        }
    }

    @Test
    void whatNeedsARestartIsReportedAndTheRestApplies() throws Exception {
        ReloadOutcome outcome = reload(TestPlatform.CONFIG.replace("listen: {host: 127.0.0.1, port: 0}", "listen: {host: 127.0.0.1, port: 1}")
                .replace("ops: {password: ops-pw}", "ops: {password: ops-pw, max_connections: 7}"));
        assertEquals(List.of("listen.host/listen.port 127.0.0.1:0 -> 127.0.0.1:1: needs restart, not applied",
                "service \"ops\": max_connections 0 -> 7"), outcome.lines());
        assertEquals(0, platform.pgwarden().runningConfig().listen().port());
        assertEquals(7, platform.pgwarden().runningConfig().service("ops").orElseThrow().maxConnections());
    }

    @Test
    void theConsolesReloadAnswersWithTheChangesOrTheErrors() throws Exception {
        Properties props = new Properties();
        props.setProperty("preferQueryMode", "simple");
        try (Connection console = platform.connect("ops", "ops-pw", "pgwarden", props); Statement st = console.createStatement()) {
            platform.reload(TestPlatform.CONFIG); // the file as it is: nothing to change
            List<String> rows = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("RELOAD")) {
                while (rs.next()) {
                    rows.add(rs.getString(1));
                }
            }
            assertEquals(List.of(), rows);
            platform.reload(TestPlatform.CONFIG.replace("pool_size: 1}", "pool_size: 0}")); // the file now has an error
            SQLException e = assertThrows(SQLException.class, () -> st.executeQuery("RELOAD").close());
            assertEquals("F0000", e.getSQLState());
            assertTrue(e.getMessage().contains("databases.users.pool_size (line 9): must be between 1 and 10000"), e.getMessage());
        }
    }

    @Test
    void pgwardenReloadAsksTheRunningProcessThroughItsConsole(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        // the file names the console's service; the process reloads its own file
        java.nio.file.Path file = dir.resolve("pgwarden.yaml");
        java.nio.file.Files.writeString(file, """
                listen: {host: 127.0.0.1, port: 0}
                admin_services: [ops]
                backends: {main: {host: 127.0.0.1}}
                databases: {orders: {backend: main, user: orders_owner}}
                services: {ops: {password: ops-pw}}
                """);
        java.nio.file.Path password = dir.resolve("password");
        java.nio.file.Files.writeString(password, "ops-pw\n");
        platform.reload(TestPlatform.CONFIG.replace("ops: {password: ops-pw}", "ops: {password: ops-pw, max_connections: 9}"));
        platform.reload(TestPlatform.CONFIG); // what the process will read when asked

        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine command = io.pgwarden.cli.PgwardenCommand.commandLine(java.io.InputStream.nullInputStream());
        command.setOut(new java.io.PrintWriter(out, true));
        command.setErr(new java.io.PrintWriter(err, true));
        String[] args = {"reload", "--config", file.toString(), "--port", String.valueOf(platform.pgwarden().port()),
                "--password-file", password.toString()};
        assertEquals(0, command.execute(args), err.toString());
        assertEquals("reloaded: no change", out.toString().strip());

        platform.reload(TestPlatform.CONFIG.replace("pool_size: 1}", "pool_size: 0}"));
        out.getBuffer().setLength(0);
        assertEquals(1, command.execute(args));
        assertTrue(err.toString().contains("reload failed, nothing changed"), err.toString());
        assertTrue(err.toString().contains("databases.users.pool_size (line 9): must be between 1 and 10000"), err.toString());
    }

    private static Connection console() throws SQLException {
        Properties props = new Properties();
        props.setProperty("preferQueryMode", "simple");
        return platform.connect("ops", "ops-pw", "pgwarden", props);
    }

    @Test
    void disableRefusesNewClientsOfADatabaseAndLeavesConnectedOnesAlone() throws Exception {
        try (Connection connected = platform.connect("payments-service", "payments"); Connection ops = console()) {
            ops.createStatement().execute("DISABLE payments");
            SQLException refused = assertThrows(SQLException.class, () -> platform.connect("payments-service", "payments").close());
            assertEquals("55000", refused.getSQLState());
            assertTrue(refused.getMessage().contains("database \"payments\" is not currently accepting connections"), refused.getMessage());
            assertEquals(1, count(connected.createStatement(), "SELECT 1"));
            try (ResultSet rs = ops.createStatement().executeQuery("SHOW DATABASES")) {
                while (rs.next()) {
                    assertEquals(rs.getString("name").equals("payments") ? 1 : 0, rs.getInt("disabled"), rs.getString("name"));
                }
            }
            ops.createStatement().execute("ENABLE payments");
            try (Connection again = platform.connect("payments-service", "payments")) {
                assertEquals(1, count(again.createStatement(), "SELECT 1"));
            }
        }
    }

    @Test
    void waitCloseAnswersOnceTheServersMarkedByReconnectAreClosed() throws Exception {
        try (Connection holder = platform.connect("payments-service", "payments"); Connection ops = console()) {
            int pid = count(holder.createStatement(), "SELECT pg_backend_pid()");
            ops.createStatement().execute("RECONNECT payments");
            CompletableFuture<Void> waitClose = CompletableFuture.runAsync(() -> {
                try (Connection waiter = console()) {
                    waiter.createStatement().execute("WAIT_CLOSE payments");
                } catch (SQLException e) {
                    throw new RuntimeException(e);
                }
            });
            // the marked server is still in its session: it is still open, and WAIT_CLOSE still waits
            Eventually.await("the held server still open", () -> platform.backendConnections("payments_db"), n -> n >= 1);
            assertFalse(waitClose.isDone());
            holder.close(); // its session ends: the server is closed instead of reused
            waitClose.get(15, TimeUnit.SECONDS);
            try (Connection admin = platform.admin(); Statement st = admin.createStatement()) {
                assertEquals(0, count(st, "SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid));
            }
        }
    }

    @Test
    void anAdminServiceTakenOffTheListLosesItsConsoleSessionAtItsNextCommand() throws Exception {
        try (Connection ops = console(); Statement st = ops.createStatement()) {
            st.executeQuery("SHOW VERSION").close();
            reload(TestPlatform.CONFIG.replace("admin_services: [ops]", "admin_services: []")
                    .replace("ops: {password: ops-pw}", "ops: {password: ops-pw, databases: [users]}"));
            SQLException ended = assertThrows(SQLException.class, () -> st.executeQuery("SHOW VERSION").close());
            assertEquals("42501", ended.getSQLState(), ended.getMessage());
            SQLException refused = assertThrows(SQLException.class, () -> console().close());
            assertEquals("42501", refused.getSQLState());
        }
    }

    @Test
    void aNewPoolModeEndsTheClientsOfTheOldOneAtTheirTransactionsEnd() throws Exception {
        try (Connection old = platform.connect("orders-service", "orders_tx1")) {
            assertEquals(1, count(old.createStatement(), "SELECT 1"));
            ReloadOutcome outcome = reload(TestPlatform.CONFIG.replace(
                    "orders_tx1: {backend: main, dbname: orders_db, user: orders_owner, password: orders-db-pw, pool_mode: transaction, pool_size: 1}",
                    "orders_tx1: {backend: main, dbname: orders_db, user: orders_owner, password: orders-db-pw, pool_mode: session, pool_size: 1}"));
            assertEquals(List.of("database \"orders_tx1\": pool_mode transaction -> session"), outcome.lines());
            Eventually.await("the idle client of the old mode ended", () -> clientsOf("orders_tx1"), n -> n == 0);
            SQLException ended = assertThrows(SQLException.class, () -> count(old.createStatement(), "SELECT 2"));
            assertEquals("57P01", ended.getSQLState(), ended.getMessage());
            assertTrue(ended.getMessage().contains("the pool_mode of database \"orders_tx1\" changed"), ended.getMessage());
            assertEquals(io.pgwarden.config.PoolMode.SESSION, platform.pgwarden().pool("orders_tx1").databaseConfig().pool().mode());
            try (Connection fresh = platform.connect("orders-service", "orders_tx1")) {
                assertEquals(3, count(fresh.createStatement(), "SELECT 3"));
            }
        }
    }

    @Test
    void aPinnedTransactionModeClientOfARevokedServiceIsEndedToo() throws Exception {
        try (Connection pinned = platform.connect("md5-service", "orders_tx")) {
            Statement st = pinned.createStatement();
            st.execute("CREATE TEMP TABLE pins_its_client (x int)"); // session state: the client keeps its server
            assertEquals(0, count(st, "SELECT count(*) FROM pins_its_client"));
            reload(TestPlatform.CONFIG.replace("databases: [orders, legacy, plain, trusted, orders_tx]",
                    "databases: [orders, legacy, plain, trusted]"));
            Eventually.await("the pinned client ended", () -> clientsOf("orders_tx"), n -> n == 0);
            SQLException ended = assertThrows(SQLException.class, () -> count(st, "SELECT 1"));
            assertEquals("42501", ended.getSQLState(), ended.getMessage());
        }
    }
}
