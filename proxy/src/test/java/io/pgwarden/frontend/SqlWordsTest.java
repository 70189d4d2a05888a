package io.pgwarden.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SqlWordsTest {

    private static boolean scan(String sql) {
        ByteBuf text = Unpooled.copiedBuffer("xx" + sql + "\0", StandardCharsets.UTF_8);
        return SqlWords.IDENTITY_CHANGES.foundIn(text, 2, text.writerIndex() - 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"SET ROLE admin", "set role admin", "SET SESSION ROLE x", "set session authorization x",
            "RESET ROLE", "select set_config('role', 'x', false)", "SELECT SET_CONFIG($1, $2, false)",
            "select 1; SET\tROLE x", "SET LOCAL ROLE x", "ROLE", "Set Session Authorization DEFAULT"})
    void changesOfRoleAreSeen(String sql) {
        assertTrue(scan(sql), sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {"select 1", "SELECT abalance FROM pgbench_accounts WHERE aid = $1", "", "begin", "commit",
            "UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2", "rol", "set_confi", "authorizatio"})
    void ordinaryStatementsAreNot(String sql) {
        assertFalse(scan(sql), sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {"select role from users", "select * from authorizations"})
    void wordsThatOnlyLookLikeItAreFalseAlarmsOnTheSafeSide(String sql) {
        assertTrue(scan(sql), sql);
    }

    @org.junit.jupiter.api.Test
    void aWordAtTheEndOfALongTextIsFoundAndNoneIsFoundInALongTextWithout() {
        String filler = "select 'xxxxxxxxxxxxxxxxxxxx'; ".repeat(50_000); // ~1.5 MB of letters it must look past
        assertTrue(scan(filler + "set role admin"));
        assertFalse(scan(filler));
        assertTrue(scan(filler + "select SET_config('x', 'y', false)"));
    }
}
