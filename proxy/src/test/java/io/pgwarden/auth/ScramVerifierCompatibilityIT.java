package io.pgwarden.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pgwarden.embedded.EmbeddedPostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The verifier format, SASLprep, both SCRAM sides and md5 against a real PostgreSQL 17. Skipped
 * when the embedded server cannot start here.
 */
class ScramVerifierCompatibilityIT {

    private static final String MD5_ROLE = "md5_probe";
    private static final AtomicInteger roles = new AtomicInteger();

    private static EmbeddedPostgresServer postgres;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = EmbeddedPostgresServer.start(0, null);
        postgres.prependHbaRules(List.of("host all " + MD5_ROLE + " 127.0.0.1/32 md5"));
    }

    @AfterAll
    static void stopPostgres() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "postgres",
        "p\u00e4ssw\u00f6rd",
        "pa\u0308ssword",                          // NFKC composes
        "\uff21\uff22\uff23 \u00bd",               // NFKC unfolds compatibility forms
        "a\u00a0b\u00adc",                         // mapped space, mapped to nothing
        "\u00e9\u0007",                            // prohibited: raw bytes
        "\u05d0a\u05d1",                           // bidi violation: raw bytes
        "\u0627\u0644\u0639\u0631\u0628\u064a\u0629 1\u0627",
        "\u00e9\u2705\ufb01",                      // unassigned in Unicode 3.2: raw bytes
        "\u2764\ufe0f\u200d\ud83d\udd25",
        "\u00ad",                                  // maps to nothing: raw bytes
    })
    void postgresDerivesTheVerifierWeDerive(String password) throws SQLException {
        String role = createRole("'" + password.replace("'", "''") + "'");
        ScramVerifier stored = ScramVerifier.parse(storedPassword(role));

        assertEquals(stored, ScramVerifier.fromPassword(password, stored.salt(), stored.iterations()));
    }

    @Test
    void postgresAcceptsOurVerifier() throws SQLException {
        String password = "our p\u00e4ssword \u00bd";
        String role = createRole("'" + ScramVerifier.fromPassword(password).encode() + "'");

        try (Connection connection = connect(role, password); Statement statement = connection.createStatement()) {
            ResultSet result = statement.executeQuery("SELECT current_user");
            result.next();
            assertEquals(role, result.getString(1));
        }
        SQLException refused = assertThrows(SQLException.class, () -> connect(role, "not it").close());
        assertEquals("28P01", refused.getSQLState());
    }

    @Test
    void ourClientLogsInWithScram() throws Exception {
        String password = "\uff21\uff22\uff23 \u00bd \u00e9";
        String role = createRole("'" + password + "'");

        assertEquals("SCRAM-SHA-256", PostgresLoginProbe.login(postgres.host(), postgres.port(), role, password));

        PostgresLoginProbe.Refused refused = assertThrows(PostgresLoginProbe.Refused.class,
                () -> PostgresLoginProbe.login(postgres.host(), postgres.port(), role, "not it"));
        assertEquals("28P01", refused.sqlState);
    }

    @Test
    void ourClientLogsInWithMd5() throws Exception {
        try (Connection admin = postgres.adminDataSource("postgres").getConnection();
             Statement statement = admin.createStatement()) {
            statement.execute("SET password_encryption = 'md5'");
            statement.execute("DROP ROLE IF EXISTS " + MD5_ROLE);
            statement.execute("CREATE ROLE " + MD5_ROLE + " LOGIN PASSWORD 'md5 secret'");
        }
        assertEquals(Md5Password.hash("md5 secret", MD5_ROLE), storedPassword(MD5_ROLE));

        assertEquals("md5", PostgresLoginProbe.login(postgres.host(), postgres.port(), MD5_ROLE, "md5 secret"));
        assertEquals("md5", PostgresLoginProbe.login(postgres.host(), postgres.port(), MD5_ROLE, storedPassword(MD5_ROLE)));
        assertThrows(PostgresLoginProbe.Refused.class,
                () -> PostgresLoginProbe.login(postgres.host(), postgres.port(), MD5_ROLE, "not it"));
    }

    /** Creates a login role with {@code passwordLiteral} (SQL) and returns its name. */
    private static String createRole(String passwordLiteral) throws SQLException {
        String role = "scram_probe_" + roles.incrementAndGet();
        try (Connection admin = postgres.adminDataSource("postgres").getConnection();
             Statement statement = admin.createStatement()) {
            statement.execute("CREATE ROLE " + role + " LOGIN PASSWORD " + passwordLiteral);
        }
        return role;
    }

    private static String storedPassword(String role) throws SQLException {
        try (Connection admin = postgres.adminDataSource("postgres").getConnection();
             Statement statement = admin.createStatement();
             ResultSet result = statement.executeQuery("SELECT rolpassword FROM pg_authid WHERE rolname = '" + role + "'")) {
            result.next();
            return result.getString(1);
        }
    }

    private static Connection connect(String role, String password) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", role);
        properties.setProperty("password", password);
        return DriverManager.getConnection(
                "jdbc:postgresql://" + postgres.host() + ":" + postgres.port() + "/postgres", properties);
    }
}
