package io.pgwarden.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresServerIT {

    private static final String INVALID_PASSWORD = "28P01";
    private static final String INVALID_AUTHORIZATION = "28000";

    private static EmbeddedPostgresServer server;

    @BeforeAll
    static void start() throws Exception {
        server = EmbeddedPostgresServer.start(0, null);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** 17 from the bundled binaries, or the major the build selected (-Dpostgres.major=16). */
    @Test
    void runsThePostgresMajorTheBuildSelected() throws SQLException {
        int major = io.pgwarden.TestPlatform.postgresMajor();
        assertTrue(adminQuery("SHOW server_version").startsWith(major + "."), adminQuery("SHOW server_version"));
        assertEquals(major, Integer.parseInt(adminQuery("SHOW server_version_num")) / 10000);
        assertEquals(adminQuery("SHOW server_version"), server.serverVersion());
    }

    /**
     * Binaries chosen per server: a PostgreSQL 15 (PgDumpIT's) next to the JVM's own major, each
     * copied from a cluster template its own binaries made. The JVM's template exists already (the
     * class's server); a 15 started on it would refuse its data directory, and the JVM's major
     * started after the 15 one must not get the 15 template either.
     */
    @Test
    void aServerRunsTheBinariesItIsGivenNextToServersOfAnotherMajor() throws Exception {
        PostgresBinaries fifteen = io.pgwarden.TestPlatform.postgres15Binaries().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(fifteen != null,
                "skipped: pgwarden.test.postgres15.binaries is unset (failsafe sets it, see proxy/pom.xml)");
        try (EmbeddedPostgresServer old = EmbeddedPostgresServer.start(0, null, java.util.Map.of(), fifteen);
             EmbeddedPostgresServer current = EmbeddedPostgresServer.start(0, null)) {
            assertTrue(old.serverVersion().startsWith("15."), old.serverVersion());
            assertTrue(current.serverVersion().startsWith(io.pgwarden.TestPlatform.postgresMajor() + "."),
                    current.serverVersion());
        }
        assertTrue(server.serverVersion().startsWith(io.pgwarden.TestPlatform.postgresMajor() + "."));
    }

    @Test
    void listensOnLoopbackWithTheConfiguredSettings() throws SQLException {
        assertEquals("127.0.0.1", server.host());
        assertTrue(server.port() > 0);
        assertEquals("127.0.0.1", adminQuery("SHOW listen_addresses"));
        assertEquals("200", adminQuery("SHOW max_connections"));
        assertEquals("off", adminQuery("SHOW fsync"), "a temporary directory needs no durability");
    }

    @Test
    void otherRolesLogInWithTheirPasswordOnly() throws SQLException {
        admin("CREATE ROLE alice LOGIN PASSWORD 'alice-secret'");

        try (Connection alice = login("alice", "alice-secret")) {
            assertTrue(alice.isValid(1));
        }
        assertEquals(INVALID_PASSWORD, loginFailure("alice", "wrong"));
    }

    @Test
    void otherRolesMustUseScramNotAnMd5HashedPassword() throws SQLException {
        // With hba method scram-sha-256 an md5-hashed password cannot log in: proves SCRAM is required.
        admin("SET password_encryption = 'md5'; CREATE ROLE bob LOGIN PASSWORD 'bob-secret'");

        assertEquals(INVALID_PASSWORD, loginFailure("bob", "bob-secret"));
    }

    @Test
    void prependedRulesWinAndTakeEffectAtOnce() throws Exception {
        admin("CREATE ROLE carol LOGIN; CREATE ROLE dave LOGIN");
        assertEquals(INVALID_PASSWORD, loginFailure("carol", "any"), "no password: SCRAM cannot succeed");

        server.prependHbaRules(List.of("host all carol 127.0.0.1/32 trust"));
        server.prependHbaRules(List.of("host all dave 127.0.0.1/32 reject"));

        try (Connection carol = login("carol", null)) {
            assertTrue(carol.isValid(1));
        }
        assertEquals(INVALID_AUTHORIZATION, loginFailure("dave", null));
    }

    @Test
    void rejectedRulesLeaveTheServerAsItWas() throws Exception {
        assertThrows(IllegalArgumentException.class,
                () -> server.prependHbaRules(List.of("host all erin 127.0.0.1/32 no-such-method")));

        assertEquals("1", adminQuery("SELECT 1"));
    }

    @Test
    void keptDataDirectorySurvivesARestartAndItsOutputGoesToALogFile(@TempDir Path parent) throws Exception {
        Path data = parent.resolve("main");
        try (EmbeddedPostgresServer first = EmbeddedPostgresServer.start(0, data)) {
            execute(first, "CREATE TABLE kept (id int)");
        }
        try (EmbeddedPostgresServer second = EmbeddedPostgresServer.start(0, data)) {
            execute(second, "INSERT INTO kept VALUES (1)");
            try (Connection connection = second.adminDataSource("postgres").getConnection();
                 Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("SHOW fsync")) {
                rows.next();
                assertEquals("on", rows.getString(1), "kept data must survive a crash");
            }
            assertEquals(parent.resolve("main.log"), second.logFile());
            assertTrue(Files.readString(second.logFile()).contains("database system is ready to accept connections"));
        }
        assertTrue(Files.isRegularFile(data.resolve("PG_VERSION")));
    }

    @Test
    void closeStopsThePostmasterAndRemovesATemporaryDirectory() throws Exception {
        EmbeddedPostgresServer temporary = EmbeddedPostgresServer.start(0, null);
        Path data = temporary.dataDirectory();
        long postmaster = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
        assertTrue(ProcessHandle.of(postmaster).isPresent());

        temporary.close();

        assertFalse(Files.exists(data.getParent()), "temporary directory left behind");
        assertTrue(exitsWithin(postmaster, Duration.ofSeconds(10)), "postmaster " + postmaster + " still running");
    }

    static boolean exitsWithin(long pid, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    private static Connection login(String user, String password) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        if (password != null) {
            properties.setProperty("password", password);
        }
        return DriverManager.getConnection(
                "jdbc:postgresql://" + server.host() + ":" + server.port() + "/postgres", properties);
    }

    private static String loginFailure(String user, String password) {
        SQLException failure = assertThrows(SQLException.class, () -> login(user, password).close());
        return failure.getSQLState();
    }

    private static void admin(String sql) throws SQLException {
        execute(server, sql);
    }

    private static void execute(EmbeddedPostgresServer target, String sql) throws SQLException {
        try (Connection connection = target.adminDataSource("postgres").getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static String adminQuery(String sql) throws SQLException {
        try (Connection connection = server.adminDataSource("postgres").getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }
}
