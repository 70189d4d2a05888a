package io.pgwarden.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgwarden.auth.ScramVerifier;
import org.junit.jupiter.api.Test;

class ScramVerifierCommandTest {

    @Test
    void printsTheVerifierOfThePasswordLine() {
        CommandResult result = CommandResult.runWithStdin("orders-pass\n", "scram-verifier");

        assertEquals(0, result.exitCode(), result.err());
        assertEquals(1, result.out().lines().count());
        assertVerifies(result.out().strip(), "orders-pass");
    }

    @Test
    void windowsLineEndingAndMissingFinalNewlineAreFine() {
        assertVerifies(CommandResult.runWithStdin("orders-pass\r\n", "scram-verifier").out().strip(), "orders-pass");
        assertVerifies(CommandResult.runWithStdin("orders-pass", "scram-verifier").out().strip(), "orders-pass");
    }

    @Test
    void spacesInsideThePasswordAreKept() {
        assertVerifies(CommandResult.runWithStdin(" two words \n", "scram-verifier").out().strip(), " two words ");
    }

    @Test
    void emptyPasswordIsRefused() {
        CommandResult emptyLine = CommandResult.runWithStdin("\n", "scram-verifier");
        CommandResult noInput = CommandResult.runWithStdin("", "scram-verifier");

        assertEquals(1, emptyLine.exitCode());
        assertEquals(1, noInput.exitCode());
        assertEquals("", emptyLine.out());
        assertTrue(emptyLine.err().contains("empty password"), emptyLine.err());
    }

    private static void assertVerifies(String encoded, String password) {
        ScramVerifier verifier = ScramVerifier.parse(encoded);
        assertEquals(verifier, ScramVerifier.fromPassword(password, verifier.salt(), verifier.iterations()));
    }
}
