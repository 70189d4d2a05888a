package io.pgwarden.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class HelpAndVersionTest {

    @ParameterizedTest
    @ValueSource(strings = {"run", "demo", "provision", "check", "audit", "scram-verifier"})
    void everySubcommandHasHelp(String subcommand) {
        CommandResult result = CommandResult.run(subcommand, "--help");

        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().startsWith("Usage: pgwarden " + subcommand), result.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"run", "demo", "provision", "check", "audit", "scram-verifier"})
    void everySubcommandHasVersion(String subcommand) {
        CommandResult result = CommandResult.run(subcommand, "--version");

        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().matches("pgwarden \\S+.*\\R"), result.out());
    }

    @Test
    void topCommandListsEverySubcommand() {
        CommandResult result = CommandResult.run("--help");

        assertEquals(0, result.exitCode(), result.err());
        for (String subcommand : new String[] {"run", "demo", "provision", "check", "audit", "scram-verifier"}) {
            assertTrue(result.out().contains("  " + subcommand + " "), result.out());
        }
    }

    @Test
    void topCommandHasVersion() {
        CommandResult result = CommandResult.run("--version");

        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().startsWith("pgwarden "), result.out());
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, CommandResult.run().exitCode());
        assertEquals(2, CommandResult.run("no-such-command").exitCode());
        assertEquals(2, CommandResult.run("check", "--no-such-option").exitCode());
    }
}
