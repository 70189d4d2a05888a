package io.pgwarden.frontend;

import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transaction mode shares server-side statements between clients. What a client does to its own
 * statements (DEALLOCATE, DISCARD, however it is sent) and what DDL does to plans must not leave
 * any client with a statement that no longer works: with pgjdbc, what works directly works here.
 */
@WithPlatform
class StatementLifecycleIT {

    private static TestPlatform platform;

    private static Connection tx(int prepareThreshold) throws SQLException {
        Properties props = new Properties();
        props.setProperty("prepareThreshold", String.valueOf(prepareThreshold));
        return platform.connect("orders-service", TestPlatform.PASSWORDS.get("orders-service"), "orders_tx1", props);
    }

    private static int selectFortyTwo(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select 42")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void deallocateAllSentWithTheExtendedProtocolDoesNotBreakTheNextClient() throws Exception {
        try (Connection c = tx(1); Statement st = c.createStatement()) {
            assertEquals(42, selectFortyTwo(c)); // prepared on the server under a shared name
            st.execute("DEALLOCATE ALL"); // pgjdbc sends it as Parse/Bind/Execute
        }
        try (Connection other = tx(1)) { // the same (only) server, the same SQL
            assertEquals(42, selectFortyTwo(other));
            assertEquals(42, selectFortyTwo(other));
        }
    }

    @Test
    void deallocateAllBehindAnotherStatementInOneQueryDoesNotBreakTheNextClient() throws Exception {
        try (Connection c = tx(1); Statement st = c.createStatement()) {
            assertEquals(42, selectFortyTwo(c));
        }
        Properties simple = new Properties();
        simple.setProperty("preferQueryMode", "simple"); // one Query message with both statements
        try (Connection c = platform.connect("orders-service", TestPlatform.PASSWORDS.get("orders-service"), "orders_tx1", simple);
             Statement st = c.createStatement()) {
            st.execute("SELECT 1; DEALLOCATE ALL");
        }
        try (Connection other = tx(1)) {
            other.setAutoCommit(false); // inside a transaction pgjdbc does not retry a 26000 by itself
            assertEquals(42, selectFortyTwo(other));
            assertEquals(42, selectFortyTwo(other));
            other.commit();
        }
    }

    /* Found by the soak: a named portal's Execute in a later batch than its Bind was not watched. */
    @Test
    void deallocateAllRunFromANamedPortalInALaterBatchDoesNotBreakTheNextClient() throws Exception {
        try (Connection c = tx(1)) {
            assertEquals(42, selectFortyTwo(c));
        }
        try (io.pgwarden.RawPgClient raw = new io.pgwarden.RawPgClient(platform.pgwarden().port())) {
            raw.socket().setSoTimeout(10_000);
            raw.loginMd5("md5-service", "md5-pw", "orders_tx");
            raw.query("begin"); // one transaction: one server throughout
            raw.typesUntilReady(null);
            raw.send(io.pgwarden.RawPgClient.parse("first", "select 42"), io.pgwarden.RawPgClient.bind("first"),
                    io.pgwarden.RawPgClient.execute(), io.pgwarden.RawPgClient.sync());
            assertEquals("12DCZ", raw.typesUntilReady(null), "select 42 is now prepared on this server");
            java.io.ByteArrayOutputStream bind = new java.io.ByteArrayOutputStream();
            bind.writeBytes(io.pgwarden.RawPgClient.cString("fp1"));
            bind.writeBytes(io.pgwarden.RawPgClient.cString("dropper"));
            bind.writeBytes(new byte[] {0, 0, 0, 0, 0, 0});
            raw.send(io.pgwarden.RawPgClient.parse("dropper", "DEALLOCATE ALL"), io.pgwarden.RawPgClient.typed('B', bind.toByteArray()),
                    io.pgwarden.RawPgClient.sync());
            assertEquals("12Z", raw.typesUntilReady(null));
            java.io.ByteArrayOutputStream execute = new java.io.ByteArrayOutputStream();
            execute.writeBytes(io.pgwarden.RawPgClient.cString("fp1"));
            execute.writeBytes(new byte[] {0, 0, 0, 0});
            raw.send(io.pgwarden.RawPgClient.typed('E', execute.toByteArray()), io.pgwarden.RawPgClient.sync());
            assertEquals("CZ", raw.typesUntilReady(null));
            // the same server: pgwarden must know select 42 is gone, and prepare it again
            raw.send(io.pgwarden.RawPgClient.parse("again", "select 42"), io.pgwarden.RawPgClient.bind("again"),
                    io.pgwarden.RawPgClient.execute(), io.pgwarden.RawPgClient.sync());
            assertEquals("12DCZ", raw.typesUntilReady(null));
            raw.query("commit");
            raw.typesUntilReady(null);
        }
    }

    @Test
    void discardAllSentWithTheExtendedProtocolDoesNotBreakTheNextClient() throws Exception {
        try (Connection c = tx(1); Statement st = c.createStatement()) {
            assertEquals(42, selectFortyTwo(c));
            st.execute("DISCARD ALL");
            assertEquals(42, selectFortyTwo(c), "the client itself goes on");
        }
        try (Connection other = tx(1)) {
            assertEquals(42, selectFortyTwo(other));
        }
    }

    @Test
    void aStatementDeallocatedByNameBehindPgwardensBackIsPreparedAgain() throws Exception {
        try (Connection c = tx(1)) {
            assertEquals(42, selectFortyTwo(c));
            List<String> names = new ArrayList<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select name from pg_prepared_statements")) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            try (Statement st = c.createStatement()) {
                for (String name : names) {
                    st.execute("DEALLOCATE \"" + name + "\"");
                }
            }
        }
        try (Connection other = tx(1)) {
            SQLException first = null;
            for (int attempt = 0; attempt < 2; attempt++) {
                try {
                    assertEquals(42, selectFortyTwo(other));
                    return;
                } catch (SQLException e) {
                    first = e; // pgwarden may let one failure through, never a server broken for good
                }
            }
            throw new AssertionError("still failing after a retry", first);
        }
    }

    /*
     * Two clients share one server statement. After the DDL, each must get PostgreSQL's 0A000 once
     * and heal (pgjdbc re-prepares), never a result read with the old type (an int8 read as int4: 0).
     */
    @Test
    void aColumnTypeChangedUnderAPreparedStatementHealsAsItDoesDirectly() throws Exception {
        try (Connection owner = platform.connect("orders-service", "orders"); Statement st = owner.createStatement()) {
            st.execute("DROP TABLE IF EXISTS retyped");
            st.execute("CREATE TABLE retyped (v int)");
            st.execute("INSERT INTO retyped VALUES (1)");
        }
        try (Connection a = tx(1); Connection b = tx(1)) {
            for (Connection c : List.of(a, b)) {
                assertEquals(1, readRetyped(c));
            }
            try (Statement st = a.createStatement()) {
                st.execute("ALTER TABLE retyped ALTER COLUMN v TYPE bigint");
            }
            for (Connection c : List.of(a, b)) {
                assertEquals(1, readRetyped(c), "pgjdbc re-prepares on 'cached plan must not change result type'");
                assertEquals(1, readRetyped(c));
            }
        }
        try (Connection fresh = tx(1)) {
            assertEquals(1, readRetyped(fresh), "a new client gets a valid statement");
        }
    }

    @Test
    void directlyAgainstPostgresTheSameHeals() throws Exception {
        Properties props = new Properties();
        props.setProperty("user", "orders_owner");
        props.setProperty("password", "orders-db-pw");
        props.setProperty("prepareThreshold", "1");
        String url = "jdbc:postgresql://127.0.0.1:" + platform.postgres().port() + "/orders_db";
        try (Connection owner = java.sql.DriverManager.getConnection(url, props); Statement st = owner.createStatement()) {
            st.execute("DROP TABLE IF EXISTS retyped_direct");
            st.execute("CREATE TABLE retyped_direct (v int)");
            st.execute("INSERT INTO retyped_direct VALUES (1)");
            try (PreparedStatement ps = owner.prepareStatement("SELECT v FROM retyped_direct WHERE v = ?")) {
                ps.setInt(1, 1);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                }
            }
            st.execute("ALTER TABLE retyped_direct ALTER COLUMN v TYPE bigint");
            try (PreparedStatement ps = owner.prepareStatement("SELECT v FROM retyped_direct WHERE v = ?")) {
                ps.setInt(1, 1);
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(1, rs.getLong(1));
                }
            }
        }
    }

    /*
     * PostgreSQL resolves a statement's names with the search_path of the session that prepares it. Two
     * clients with different search_paths share the only server; each prepares the same text inside a
     * transaction (where pgjdbc cannot retry a failed execution), and each must read its own schema's
     * table, whose column has another type: one shared server statement would fail with 0A000 for the
     * second, as its plan would change result type.
     */
    @Test
    void clientsWithDifferentSearchPathsEachGetTheirOwnSchemasTable() throws Exception {
        searchPathSchemas();
        try (Connection ints = onSearchPath("path_ints"); Connection texts = onSearchPath("path_texts")) {
            for (int round = 0; round < 3; round++) {
                assertEquals("7", readT(ints), "round " + round);
                assertEquals("seven", readT(texts), "round " + round);
            }
        }
    }

    /** Tables t with an int column in schema path_ints, a text column in path_texts. */
    private static void searchPathSchemas() throws SQLException {
        try (Connection owner = platform.connect("orders-service", "orders"); Statement st = owner.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS path_ints CASCADE");
            st.execute("DROP SCHEMA IF EXISTS path_texts CASCADE");
            st.execute("CREATE SCHEMA path_ints");
            st.execute("CREATE SCHEMA path_texts");
            st.execute("CREATE TABLE path_ints.t (v int)");
            st.execute("INSERT INTO path_ints.t VALUES (7)");
            st.execute("CREATE TABLE path_texts.t (v text)");
            st.execute("INSERT INTO path_texts.t VALUES ('seven')");
        }
    }

    /*
     * Before PostgreSQL 18 a SET search_path is not reported: pgwarden asks the server for the new path
     * once the transaction is over, and the client's statements are its own until it knows; a statement
     * another client prepared under the old path must not be bound in its place.
     */
    @Test
    void aClientThatSetItsSearchPathDoesNotGetAStatementPreparedUnderAnother() throws Exception {
        searchPathSchemas();
        try (Connection ints = onSearchPath("path_ints")) {
            assertEquals("7", readT(ints)); // its statement stays prepared on the only server
        }
        try (Connection moved = onSearchPath("path_ints"); Statement st = moved.createStatement()) {
            st.execute("SET search_path = path_texts");
            moved.commit();
            assertEquals("seven", readT(moved));
            assertEquals("seven", readT(moved));
        }
    }

    private static Connection onSearchPath(String schema) throws SQLException {
        Properties props = new Properties();
        props.setProperty("prepareThreshold", "1");
        props.setProperty("options", "-c search_path=" + schema);
        Connection c = platform.connect("orders-service", TestPlatform.PASSWORDS.get("orders-service"), "orders_tx1", props);
        c.setAutoCommit(false);
        return c;
    }

    private static String readT(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT v FROM t WHERE v IS NOT NULL")) {
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                return rs.getString(1);
            }
        } finally {
            c.commit();
        }
    }

    private static long readRetyped(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT v FROM retyped WHERE v = ?")) {
            ps.setInt(1, 1);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                return rs.getLong(1);
            }
        }
    }
}
