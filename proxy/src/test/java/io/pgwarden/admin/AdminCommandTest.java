package io.pgwarden.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pgwarden.admin.AdminCommand.Verb;
import org.junit.jupiter.api.Test;

class AdminCommandTest {

    private static AdminCommand parse(String query) throws AdminException {
        return AdminCommand.parse(query);
    }

    private static String error(String query) {
        AdminException e = assertThrows(AdminException.class, () -> parse(query));
        return e.sqlState() + " " + e.getMessage();
    }

    @Test
    void showTakesOneSubjectInLowerCase() throws AdminException {
        assertEquals(new AdminCommand(Verb.SHOW, "pools"), parse("SHOW POOLS"));
        assertEquals(new AdminCommand(Verb.SHOW, "stats_totals"), parse("show Stats_Totals;"));
        assertEquals(new AdminCommand(Verb.SHOW, "help"), parse("\tshow\n help ;; \n"));
        assertEquals("42601 SHOW needs one argument, e.g. SHOW POOLS; SHOW HELP lists them", error("SHOW"));
        assertEquals("42601 SHOW needs one argument, e.g. SHOW POOLS; SHOW HELP lists them", error("SHOW POOLS NOW"));
    }

    @Test
    void databaseArgumentsKeepTheirSpelling() throws AdminException {
        assertEquals(new AdminCommand(Verb.PAUSE, null), parse("pause"));
        assertEquals(new AdminCommand(Verb.PAUSE, "Orders-DB"), parse("PAUSE Orders-DB;"));
        assertEquals(new AdminCommand(Verb.RESUME, "my db"), parse("RESUME \"my db\""));
        assertEquals(new AdminCommand(Verb.RECONNECT, "say \"hi\""), parse("RECONNECT \"say \"\"hi\"\"\""));
        assertEquals(new AdminCommand(Verb.KILL, "orders"), parse("kill orders"));
        assertEquals("42601 KILL needs one database name", error("KILL"));
        assertEquals("42601 PAUSE takes at most one database name", error("PAUSE a b"));
        assertEquals("42601 unterminated quoted name", error("PAUSE \"orders"));
    }

    @Test
    void shutdownSetAndEmpty() throws AdminException {
        assertEquals(new AdminCommand(Verb.SHUTDOWN, null), parse("SHUTDOWN;"));
        assertEquals(new AdminCommand(Verb.RELOAD, null), parse("reload"));
        assertEquals(new AdminCommand(Verb.DISABLE, "orders"), parse("disable orders"));
        assertEquals(new AdminCommand(Verb.ENABLE, "orders"), parse("ENABLE \"orders\";"));
        assertEquals(new AdminCommand(Verb.WAIT_CLOSE, null), parse("WAIT_CLOSE"));
        assertEquals(new AdminCommand(Verb.WAIT_CLOSE, "orders"), parse("wait_close orders"));
        assertEquals(new AdminCommand(Verb.SHUTDOWN, "wait_for_clients"), parse("shutdown WAIT_FOR_CLIENTS"));
        assertEquals(new AdminCommand(Verb.SHUTDOWN, "wait_for_servers"), parse("SHUTDOWN wait_for_servers;"));
        assertEquals("42601 SHUTDOWN takes no argument, WAIT_FOR_CLIENTS or WAIT_FOR_SERVERS, not \"soon\"", error("SHUTDOWN soon"));
        assertEquals("42601 RELOAD takes no arguments", error("RELOAD orders"));
        assertEquals(new AdminCommand(Verb.SET, null), parse("SET extra_float_digits = 3"));
        assertEquals(new AdminCommand(Verb.SET, null), parse("set application_name = 'a;b'"));
        assertEquals(new AdminCommand(Verb.EMPTY, null), parse(""));
        assertEquals(new AdminCommand(Verb.EMPTY, null), parse(" ;\n;"));
    }

    @Test
    void anythingElseIsAnError() {
        assertEquals("42601 unknown command \"SELECT\"; SHOW HELP lists the commands", error("SELECT 1"));
        assertEquals("42601 unknown command \"SETTINGS\"; SHOW HELP lists the commands", error("SETTINGS"));
        assertEquals("42601 the admin console runs one command per query", error("SHOW POOLS; SHOW STATS"));
    }
}
