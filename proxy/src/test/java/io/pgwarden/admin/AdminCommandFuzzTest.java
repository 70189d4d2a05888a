package io.pgwarden.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Any query text typed into the admin console parses to a command or an {@link AdminException}
 * (42601, with a message): never another exception, never an argument longer than the query.
 */
class AdminCommandFuzzTest {

    @FuzzTest(maxDuration = "5s")
    void anyQueryIsACommandOrASyntaxError(byte[] input) {
        String query = new String(input, StandardCharsets.UTF_8);
        AdminCommand command;
        try {
            command = AdminCommand.parse(query);
        } catch (AdminException e) {
            assertEquals(AdminException.SYNTAX_ERROR, e.sqlState());
            assertFalse(e.getMessage() == null || e.getMessage().isEmpty(), "an error needs a message");
            return;
        }
        assertNotNull(command.verb());
        switch (command.verb()) {
            case SHOW -> {
                assertNotNull(command.argument());
                assertEquals(command.argument().toLowerCase(Locale.ROOT), command.argument());
            }
            case KILL -> assertNotNull(command.argument());
            case SET, EMPTY, SHUTDOWN -> assertNull(command.argument());
            case PAUSE, RESUME, RECONNECT -> {
                // a database or null for all
            }
        }
        if (command.argument() != null) {
            assertTrue(command.argument().length() <= query.length(), "the argument comes from the query");
        }
    }
}
