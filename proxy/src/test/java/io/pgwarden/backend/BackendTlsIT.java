package io.pgwarden.backend;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.pgwarden.Eventually;
import io.pgwarden.Pgwarden;
import io.pgwarden.TestCertificates;
import io.pgwarden.config.ConfigLoader;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.embedded.EmbeddedPostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pgwarden → PostgreSQL over TLS, against a real PostgreSQL 17 with ssl=on whose pg_hba lets the
 * pooled roles in over TLS only ({@code hostssl}; {@code host} rejects them): one backend entry per
 * tls.mode, all on the same instance. Clients reach pgwarden in the clear.
 */
class BackendTlsIT {

    private static Path dir;
    private static EmbeddedPostgresServer postgres;
    private static Pgwarden pgwarden;
    private static PgwardenConfig config;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("pgwarden-backend-tls-");
        TestCertificates ca = TestCertificates.newCa("pgwarden test CA");
        ca.writeCa(dir, "ca");
        TestCertificates.newCa("some other CA").writeCa(dir, "other-ca");
        ca.server("localhost", false).writeTo(dir, "server");
        ca.client("cert_owner").writeTo(dir, "cert_owner");
        Files.setPosixFilePermissions(dir.resolve("server.key"), PosixFilePermissions.fromString("rw-------")); // PostgreSQL insists
        postgres = EmbeddedPostgresServer.start(0, null, Map.of("ssl", "on",
                "ssl_cert_file", dir.resolve("server.crt").toString(), "ssl_key_file", dir.resolve("server.key").toString(),
                "ssl_ca_file", dir.resolve("ca.crt").toString()));
        try (Connection admin = postgres.adminDataSource("postgres").getConnection(); Statement st = admin.createStatement()) {
            st.execute("CREATE ROLE tls_owner LOGIN PASSWORD 'tls-pw'");
            st.execute("CREATE ROLE cert_owner LOGIN");
            st.execute("CREATE DATABASE tls_db OWNER tls_owner");
        }
        postgres.prependHbaRules(List.of(
                "hostssl all tls_owner  127.0.0.1/32 scram-sha-256",
                "host    all tls_owner  127.0.0.1/32 reject",
                "hostssl all cert_owner 127.0.0.1/32 cert",
                "host    all cert_owner 127.0.0.1/32 reject"));
        String backend = "{host: localhost, port: " + postgres.port() + ", sample_interval: 0, max_connections: 20, tls: ";
        String ca_ = dir.resolve("ca.crt").toString();
        String yaml = "listen: {host: 127.0.0.1, port: 0}\n"
                + "backends:\n"
                + "  required:   " + backend + "{mode: require}}\n"
                + "  full:       {host: localhost, port: " + postgres.port() + ", sample_interval: 0, tls: {mode: verify-full, ca: " + ca_ + "}}\n"
                + "  wrong_ca:   " + backend + "{mode: verify-ca, ca: " + dir.resolve("other-ca.crt") + "}}\n"
                + "  wrong_host: " + backend.replace("localhost", "127.0.0.1") + "{mode: verify-full, ca: " + ca_ + "}}\n"
                + "  clear:      " + backend + "{mode: disable}}\n"
                + "  allowed:    " + backend + "{mode: allow}}\n"
                + "  by_cert:    " + backend + "{mode: verify-full, ca: " + ca_ + ", cert: " + dir.resolve("cert_owner.crt")
                + ", key: " + dir.resolve("cert_owner.key") + "}}\n"
                + "databases:\n"
                + "  required:   {backend: required,   dbname: tls_db, user: tls_owner, password: tls-pw}\n"
                + "  full:       {backend: full,       dbname: tls_db, user: tls_owner, password: tls-pw}\n"
                + "  wrong_ca:   {backend: wrong_ca,   dbname: tls_db, user: tls_owner, password: tls-pw}\n"
                + "  wrong_host: {backend: wrong_host, dbname: tls_db, user: tls_owner, password: tls-pw}\n"
                + "  clear:      {backend: clear,      dbname: tls_db, user: tls_owner, password: tls-pw}\n"
                + "  allowed:    {backend: allowed,    dbname: tls_db, user: tls_owner, password: tls-pw}\n"
                + "  by_cert:    {backend: by_cert,    dbname: tls_db, user: cert_owner}\n"
                + "services:\n"
                + "  app: {password: app-pw, databases: [required, full, wrong_ca, wrong_host, clear, allowed, by_cert]}\n";
        config = ConfigLoader.parse(yaml, "backend-tls.yaml", name -> null);
        pgwarden = new Pgwarden(config).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (pgwarden != null) {
            pgwarden.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @BeforeEach
    void captureTheLog() {
        log.start();
        Logger root = (Logger) LoggerFactory.getLogger("io.pgwarden");
        root.addAppender(log);
        ((Logger) LoggerFactory.getLogger(BackendLoginHandler.class)).setLevel(Level.DEBUG);
    }

    @AfterEach
    void releaseTheLog() {
        ((Logger) LoggerFactory.getLogger("io.pgwarden")).detachAppender(log);
        ((Logger) LoggerFactory.getLogger(BackendLoginHandler.class)).setLevel(null);
    }

    private static Connection connect(String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "app");
        props.setProperty("password", "app-pw");
        props.setProperty("connectTimeout", "10");
        props.setProperty("socketTimeout", "30");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgwarden.port() + "/" + database, props);
    }

    /** What pg_stat_ssl says of the backend serving {@code database}, and who it is logged in as. */
    private static String sslOfTheServer(String database) throws SQLException {
        try (Connection c = connect(database); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT s.ssl, current_user FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()")) {
            assertTrue(rs.next());
            return "ssl=" + rs.getBoolean(1) + " as " + rs.getString(2);
        }
    }

    private List<String> logged(String part) {
        return log.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains(part)).toList();
    }

    @Test
    void requireAndVerifyFullLogInOverTlsWithChannelBinding() throws SQLException {
        assertEquals("ssl=true as tls_owner", sslOfTheServer("required"));
        assertEquals("ssl=true as tls_owner", sslOfTheServer("full"));
        List<String> logins = logged("logging in to database"); // a pooled server from an earlier test logs nothing
        assertFalse(logins.isEmpty());
        assertEquals(logins, logged("with SCRAM-SHA-256-PLUS (offered: [SCRAM-SHA-256-PLUS, SCRAM-SHA-256])"),
                "PostgreSQL offered -PLUS over TLS, and pgwarden took it, bound to the certificate (else PostgreSQL refuses)");
    }

    @Test
    void aClientCertificateLogsInWithPostgresCertAuthentication() throws SQLException {
        assertEquals("ssl=true as cert_owner", sslOfTheServer("by_cert"));
    }

    /** Provisioning, the sampler and the budget reading log in with pgjdbc: the certificate must go there too. */
    @Test
    void pgwardensOwnAdminConnectionsPresentTheClientCertificate() throws SQLException {
        io.pgwarden.config.BackendConfig byCert = config.backends().get("by_cert");
        io.pgwarden.config.BackendConfig asCertOwner = new io.pgwarden.config.BackendConfig(byCert.name(), byCert.host(),
                byCert.port(), "cert_owner", "", "tls_db", false, byCert.sampleInterval(), byCert.maxConnections(),
                byCert.headroom(), byCert.tls());
        try (Connection admin = AdminConnector.pgjdbc("pgwarden test", java.time.Duration.ofSeconds(10)).connect(asCertOwner);
             Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("SELECT s.ssl, s.client_dn, current_user FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()")) {
            assertTrue(rs.next());
            assertEquals("true /CN=cert_owner/O=pgwarden tests cert_owner", rs.getBoolean(1) + " " + rs.getString(2) + " " + rs.getString(3));
        }
    }

    @Test
    void allowTriesTlsOnceTheClearLoginIsRefused() throws SQLException {
        assertEquals("ssl=true as tls_owner", sslOfTheServer("allowed"));
    }

    /** The client hears only that the database is unavailable; why (TLS, its certificate) goes to pgwarden's log. */
    private void assertUnavailable(String database, String loggedReason) {
        SQLException e = assertThrows(SQLException.class, () -> connect(database).close());
        assertEquals("08006", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains("database \"" + database + "\" is unavailable"), e.getMessage());
        for (String detail : List.of("certificate", "PKIX", "TLS", "tls_owner", "localhost")) {
            assertFalse(e.getMessage().contains(detail), "no backend detail for the client: " + e.getMessage());
        }
        assertFalse(logged(loggedReason).isEmpty(), () -> "logged: " + log.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
        assertTrue(log.list.stream().noneMatch(event -> event.getThrowableProxy() != null), "an expected failure: no stack trace");
    }

    @Test
    void aCertificateFromAnotherCaIsRefused() {
        assertUnavailable("wrong_ca", "TLS handshake with backend \"wrong_ca\" failed");
    }

    @Test
    void verifyFullRefusesACertificateForAnotherHost() {
        assertUnavailable("wrong_host", "TLS handshake with backend \"wrong_host\" failed");
    }

    @Test
    void disableMeetsTheHostsslOnlyRuleAsPostgresRefusal() {
        assertUnavailable("clear", "no encryption");
    }

    @Test
    void aCancelReachesATlsBackend() throws Exception {
        try (Connection c = connect("full"); Statement st = c.createStatement()) {
            CompletableFuture<SQLException> running = CompletableFuture.supplyAsync(() -> {
                try {
                    st.execute("SELECT pg_sleep(30) /* cancel me over TLS */");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            Eventually.await("the sleep to run", () -> {
                try (Connection admin = postgres.adminDataSource("postgres").getConnection(); Statement a = admin.createStatement();
                     ResultSet rs = a.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
                             + " AND query LIKE 'SELECT pg_sleep(30) /* cancel me%'")) {
                    rs.next();
                    return rs.getInt(1) == 1;
                }
            });
            st.cancel();
            SQLException cancelled = running.get(10, TimeUnit.SECONDS);
            assertEquals("57014", cancelled == null ? null : cancelled.getSQLState());
        }
    }
}
