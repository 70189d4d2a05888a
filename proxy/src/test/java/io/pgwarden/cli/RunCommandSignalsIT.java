package io.pgwarden.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgwarden.Eventually;
import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pgwarden run} as a process of its own: SIGHUP reloads the file, SIGTERM drains and exits. */
@WithPlatform
class RunCommandSignalsIT {

    private static TestPlatform platform;
    private Process pgwarden;

    @AfterEach
    void killLeftovers() {
        if (pgwarden != null && pgwarden.isAlive()) {
            pgwarden.destroyForcibly();
        }
    }

    private String file(String extraService) {
        return """
                listen: {host: 127.0.0.1, port: 0}
                shutdown_delay: 0
                shutdown_timeout: 20s
                backends:
                  main: {host: 127.0.0.1, port: %d, admin_user: postgres, sample_interval: 0}
                databases:
                  payments: {backend: main, dbname: payments_db, user: payments_owner, password: "payments 'db' pw"}
                services:
                  payments-service: {password: payments-pw, databases: [payments]}
                %s""".formatted(platform.postgres().port(), extraService);
    }

    private static Connection connect(int port, String service, String password) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", service);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", "5");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/payments", props);
    }

    private static int one(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void sighupReloadsTheFileAndSigtermDrains(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("pgwarden.yaml");
        Files.writeString(config, file(""));
        Path stderr = dir.resolve("stderr.log");
        pgwarden = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), PgwardenCommand.class.getName(), "run", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(stderr.toFile()).start();
        Pattern listening = Pattern.compile("pgwarden listening on 127\\.0\\.0\\.1:(\\d+)");
        // a JVM of its own: its start takes a while on a loaded machine
        String log = Eventually.await("pgwarden listening", java.time.Duration.ofSeconds(120),
                () -> Files.readString(stderr, StandardCharsets.UTF_8),
                text -> listening.matcher(text).find());
        Matcher port = listening.matcher(log);
        assertTrue(port.find());
        int pgwardenPort = Integer.parseInt(port.group(1));
        try (Connection c = connect(pgwardenPort, "payments-service", "payments-pw")) {
            assertEquals(1, one(c.createStatement(), "SELECT 1"));
        }

        Files.writeString(config, file("  newcomer: {password: newcomer-pw, databases: [payments]}\n"));
        new ProcessBuilder("kill", "-HUP", String.valueOf(pgwarden.pid())).start().waitFor(10, TimeUnit.SECONDS);
        Eventually.await("the new service logs in after SIGHUP", java.time.Duration.ofSeconds(60), () -> {
            try (Connection c = connect(pgwardenPort, "newcomer", "newcomer-pw")) {
                return true;
            } catch (SQLException e) {
                return false;
            }
        }, in -> in);

        try (Connection client = connect(pgwardenPort, "payments-service", "payments-pw")) {
            client.setAutoCommit(false);
            Statement st = client.createStatement();
            assertEquals(1, one(st, "SELECT 1"));
            pgwarden.destroy(); // SIGTERM
            Eventually.await("the drain began", java.time.Duration.ofSeconds(60), () -> Files.readString(stderr, StandardCharsets.UTF_8),
                    text -> text.contains("clients asked to leave at the end of their transaction"));
            assertEquals(2, one(st, "SELECT 2"), "the transaction in flight goes on");
            client.commit();
            SQLException ended = assertThrows(SQLException.class, () -> one(st, "SELECT 3"));
            assertEquals("57P01", ended.getSQLState(), ended.getMessage());
            assertTrue(ended.getMessage().contains("terminating connection due to administrator command"), ended.getMessage());
        }
        assertTrue(pgwarden.waitFor(60, TimeUnit.SECONDS), "pgwarden exited once its client was gone");
        assertEquals(0, pgwarden.exitValue(), Files.readString(stderr, StandardCharsets.UTF_8));
    }
}
