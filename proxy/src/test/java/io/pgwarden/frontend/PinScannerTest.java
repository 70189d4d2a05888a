package io.pgwarden.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pgwarden.pool.PinReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the first keywords of a query say about session state; the text sits at a non-zero offset, as in a frame. */
class PinScannerTest {

    /** Settings pgwarden carries itself (reported by the server and followed), lower case. */
    private static final Predicate<String> CARRIED = Set.of("application_name", "timezone", "client_encoding", "datestyle",
            PinScanner.ROLE_PREFIX + "app_owner")::contains;

    private static int scan(String sql) {
        ByteBuf frame = Unpooled.buffer();
        frame.writeBytes("Q\0\0\0\0".getBytes(StandardCharsets.US_ASCII)).writeBytes(sql.getBytes(StandardCharsets.UTF_8)).writeByte(0);
        try {
            return PinScanner.scan(frame, 5, frame.writerIndex() - 1, CARRIED);
        } finally {
            frame.release();
        }
    }

    private static String pins(String sql) {
        return PinReason.labels(PinScanner.pins(scan(sql)));
    }

    private static String unpins(String sql) {
        return PinReason.labels(PinScanner.unpins(scan(sql)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "CREATE TEMP TABLE t (id int)|temp_table",
            "create temporary table t as select 1|temp_table",
            "CREATE GLOBAL TEMPORARY TABLE t (id int)|temp_table",
            "CREATE OR REPLACE TEMP VIEW v AS SELECT 1|temp_table",
            "LISTEN orders|listen",
            "SELECT pg_advisory_lock(42)|advisory_lock",
            "select pg_try_advisory_lock_shared(1, 2)|advisory_lock",
            "DECLARE c CURSOR WITH HOLD FOR SELECT 1|hold_cursor",
            "declare c no scroll cursor with hold for select 1|hold_cursor",
            "PREPARE dumpFunc(pg_catalog.oid) AS SELECT 1|prepared_statement",
            "SET statement_timeout = '1s'|setting",
            "SET SESSION work_mem TO '64MB'|setting",
            "SET app.user_id = '7'|setting",
            "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE|setting",
            "SET ROLE reporting|role",
            "SET SESSION AUTHORIZATION someone|session_authorization",
            "SELECT 1; LISTEN late|listen",
            "BEGIN; CREATE TEMP TABLE t (id int); COMMIT|temp_table",
    })
    void pins(String sql, String reasons) {
        assertEquals(reasons, pins(sql.replace("\\n", "\n")));
    }

    /**
     * search_path is carried without a pin: reported by PostgreSQL 18, else asked for once the
     * transaction is over (Liquibase's SET SEARCH_PATH at every Keycloak boot used to pin for good).
     */
    @ParameterizedTest
    @ValueSource(strings = {
            "set search_path = app",
            "SET SEARCH_PATH TO public, \"$user\",\"public\"",
            "SET SESSION search_path TO DEFAULT",
            "SELECT 1; SET search_path = app; SELECT 2",
            "RESET search_path; SET search_path = app",
    })
    void aSetOfSearchPathDoesNotPinAndIsToldApart(String sql) {
        int effect = scan(sql);
        assertTrue(PinScanner.changesSearchPath(effect), sql);
        assertFalse(PinScanner.resetsSearchPath(effect), sql);
        assertEquals("", PinReason.labels(PinScanner.pins(effect)), sql);
    }

    /** Back at the client's startup search_path, which pgwarden knows: nothing to ask. */
    @ParameterizedTest
    @ValueSource(strings = {"RESET search_path", "reset \"search_path\"", "RESET ALL", "DISCARD ALL"})
    void aResetOfSearchPathIsToldApart(String sql) {
        int effect = scan(sql);
        assertTrue(PinScanner.resetsSearchPath(effect), sql);
        assertFalse(PinScanner.changesSearchPath(effect), sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {"SET LOCAL search_path = app", "SET statement_timeout = '1s'", "RESET work_mem", "SELECT 1",
            "DISCARD TEMP"})
    void otherStatementsLeaveSearchPathAlone(String sql) {
        int effect = scan(sql);
        assertFalse(PinScanner.changesSearchPath(effect), sql);
        assertFalse(PinScanner.resetsSearchPath(effect), sql);
    }

    /** Where the server reports search_path (PostgreSQL 18), its ParameterStatus says it all: nothing to ask. */
    @Test
    void aReportedSearchPathNeedsNoQuestion() {
        ByteBuf frame = Unpooled.copiedBuffer("SET search_path = app; RESET ALL", StandardCharsets.UTF_8);
        try {
            int effect = PinScanner.scan(frame, 0, frame.writerIndex(), CARRIED.or("search_path"::equals));
            assertFalse(PinScanner.changesSearchPath(effect));
            assertFalse(PinScanner.resetsSearchPath(effect));
            assertEquals("", PinReason.labels(PinScanner.pins(effect)));
        } finally {
            frame.release();
        }
    }

    /** Flyway restores the role it found, the login role: every server of the database has it already. */
    @Test
    void aSetRoleToTheLoginRoleDoesNotPin() {
        assertEquals("", pins("SET ROLE 'app_owner'"));
        assertEquals("", pins("set role app_owner"));
        assertEquals("role", pins("SET ROLE 'app_owner_2'"));
        assertEquals("role", pins("SET ROLE"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT 1",
            "INSERT INTO t VALUES (1)",
            "CREATE TABLE t (id int)",
            "CREATE TEMP TABLE t (id int) ON COMMIT DROP",
            "create temp table t on commit  /* x */ drop as select 1",
            "SELECT pg_advisory_xact_lock(42)",
            "DECLARE c CURSOR FOR SELECT 1",
            "DECLARE c CURSOR WITHOUT HOLD FOR SELECT 1",
            "PREPARE TRANSACTION 'tx1'",
            "SET LOCAL statement_timeout = '1s'",
            "SET LOCAL ROLE reporting",
            "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
            "SET CONSTRAINTS ALL DEFERRED",
            "SET application_name = 'billing'",
            "SET TIME ZONE 'UTC'",
            "SET NAMES 'UTF8'",
            "SET \"DateStyle\" = ISO",
            "NOTIFY orders",
            "UNLISTEN orders",
            "LOCK TABLE t",
            "-- LISTEN in a comment\nSELECT 1",
            "",
            "   ",
    })
    void doesNotPin(String sql) {
        assertEquals("", pins(sql));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "DISCARD ALL|temp_table,listen,advisory_lock,hold_cursor,prepared_statement,setting,role,session_authorization",
            "discard temp|temp_table",
            "DISCARD TEMPORARY|temp_table",
            "UNLISTEN *|listen",
            "SELECT pg_advisory_unlock_all()|advisory_lock",
            "CLOSE ALL|hold_cursor",
            "DEALLOCATE ALL|prepared_statement",
            "DEALLOCATE PREPARE ALL|prepared_statement",
            "RESET ALL|setting",
            "RESET ROLE|role",
            "SET ROLE NONE|role",
            "RESET SESSION AUTHORIZATION|session_authorization",
            "SET SESSION AUTHORIZATION DEFAULT|session_authorization",
    })
    void unpins(String sql, String reasons) {
        assertEquals(reasons, unpins(sql));
        assertEquals("", pins(sql));
    }

    @ParameterizedTest
    @ValueSource(strings = {"UNLISTEN orders", "DEALLOCATE dumpfunc", "CLOSE c", "RESET statement_timeout",
            "SELECT pg_advisory_unlock(42)", "DISCARD PLANS"})
    void statementsThatMayLeaveStateBehindUnpinNothing(String sql) {
        assertEquals("", unpins(sql));
    }

    @Test
    void keywordsAreFoundBehindCommentsAndWithQuotedNames() {
        assertEquals("temp_table", pins("  /* a comment */ -- and another\n CREATE TEMP SEQUENCE s"));
        assertEquals("listen", pins("listen \"Orders\""));
        assertEquals("setting", pins("SET \"work_mem\" = '1MB'"));
    }

    @Test
    void aStatementThatPinsAndUnpinsTheSameReasonStaysPinned() {
        assertEquals("advisory_lock", pins("SELECT pg_advisory_unlock_all(), pg_advisory_lock(1)"));
        assertEquals("", unpins("SELECT pg_advisory_unlock_all(), pg_advisory_lock(1)"));
        assertEquals("listen", pins("UNLISTEN *; LISTEN again"));
    }

    @Test
    void transactionBlocksAreNoticed() {
        for (String sql : new String[] {"BEGIN; RESET ALL; ROLLBACK", "start transaction", "RESET ALL; COMMIT", "end", "abort",
                "ROLLBACK TO SAVEPOINT a"}) {
            assertTrue(PinScanner.controlsTransactions(scan(sql)), sql);
        }
        assertFalse(PinScanner.controlsTransactions(scan("RESET ALL")));
        assertFalse(PinScanner.controlsTransactions(scan("SELECT 'begin'")));
    }

    @Test
    void identityChangesAreStillFound() {
        assertTrue(PinScanner.changesIdentity(scan("SET ROLE reporting")));
        assertTrue(PinScanner.changesIdentity(scan("select set_config('role', 'x', false)")));
        assertFalse(PinScanner.changesIdentity(scan("SELECT 1")));
    }

    @Test
    void aLongQueryIsReadWithoutTrouble() {
        String big = "SELECT '" + "x".repeat(1 << 20) + "'";
        assertEquals("", pins(big));
        assertEquals("listen", pins(big + "; LISTEN x"));
    }
}
