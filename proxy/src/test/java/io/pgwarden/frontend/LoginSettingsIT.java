package io.pgwarden.frontend;

import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Transaction-mode logins and their startup settings (issue 11, item 6): a login whose settings
 * PostgreSQL already accepted takes no server from the pool, and its client still finds exactly
 * those settings; a setting PostgreSQL refuses is refused at login with PostgreSQL's own error.
 * orders_tx1 has a single server, so a login that needed one would wait behind a client holding it.
 */
@WithPlatform({"QUERY_WAIT_TIMEOUT=3s"})
class LoginSettingsIT {

    private static TestPlatform platform;

    /** pgjdbc's startup packet: application_name, DateStyle ISO, client_encoding UTF8, extra_float_digits 3, TimeZone. */
    private static Connection tx1(String applicationName) throws SQLException {
        Properties props = new Properties();
        props.setProperty("ApplicationName", applicationName);
        props.setProperty("assumeMinServerVersion", "9.0"); // sends extra_float_digits and friends at startup
        return platform.connect("orders-service", TestPlatform.PASSWORDS.get("orders-service"), "orders_tx1", props);
    }

    private static long assignments(Statement console, String database) throws SQLException {
        try (ResultSet rs = console.executeQuery("SHOW STATS_TOTALS")) {
            while (rs.next()) {
                if (database.equals(rs.getString("database"))) {
                    return rs.getLong("server_assignment_count");
                }
            }
        }
        throw new AssertionError("no SHOW STATS_TOTALS row for " + database);
    }

    private static String single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void aLoginWithSettingsPostgresAcceptedBeforeTakesNoServer() throws Exception {
        tx1("first-app").close(); // PostgreSQL answers these settings once
        try (Connection holder = tx1("holder"); Connection console = platform.console();
             Statement cs = console.createStatement()) {
            holder.setAutoCommit(false);
            single(holder.createStatement(), "SELECT 1"); // the only server of orders_tx1 is in its transaction
            long before = assignments(cs, "orders_tx1");
            try (Connection late = tx1("late-app")) {
                PGConnection pg = late.unwrap(PGConnection.class);
                assertEquals(0, TestPlatform.poolCount(cs, "orders_tx1", "cl_waiting"));
                assertEquals(before, assignments(cs, "orders_tx1"), "the login took no server");
                assertEquals("late-app", pg.getParameterStatus("application_name"), "its own application_name");
                holder.commit();
                // what the login reported is what its server holds when it runs
                Statement st = late.createStatement();
                for (String name : new String[] {"application_name", "DateStyle", "TimeZone", "client_encoding"}) {
                    assertEquals(pg.getParameterStatus(name), single(st, "SHOW " + name), name);
                }
                assertEquals("late-app", single(st, "SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()"));
                assertEquals("3", single(st, "SHOW extra_float_digits")); // what pgjdbc sends to 9.0 and later
            }
        }
    }

    @Test
    void aSettingPostgresRefusesIsRefusedAtLoginWithItsError() throws Exception {
        Properties good = new Properties();
        good.setProperty("options", "-c work_mem=8MB");
        platform.connect("orders-service", "orders-pw", "orders_tx", good).close();
        for (String options : new String[] {"-c work_mem=banana", "-c DateStyle=banana", "-c no_such_setting_at_all=1"}) {
            Properties bad = new Properties();
            bad.setProperty("options", options);
            SQLException direct;
            try (Connection admin = platform.admin()) {
                String url = admin.getMetaData().getURL();
                Properties asPostgres = new Properties();
                asPostgres.setProperty("user", "orders_owner");
                asPostgres.setProperty("password", "orders-db-pw");
                asPostgres.setProperty("options", options);
                direct = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                        url.substring(0, url.lastIndexOf('/') + 1) + "orders_db", asPostgres).close());
            }
            for (int i = 0; i < 2; i++) { // a refusal is never remembered as an answer
                SQLException proxied = assertThrows(SQLException.class,
                        () -> platform.connect("orders-service", "orders-pw", "orders_tx", bad).close(), options);
                assertEquals(direct.getSQLState(), proxied.getSQLState(), options + ": " + proxied.getMessage());
                assertEquals(direct.getMessage(), proxied.getMessage(), options);
            }
        }
    }
}
