package io.pgwarden.cli;

import io.pgwarden.auth.ScramVerifier;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code pgwarden scram-verifier}: turns a password read from stdin into the SCRAM-SHA-256 verifier
 * to put in a service's {@code password:}, so the routing file need not hold the password itself.
 */
@Command(name = "scram-verifier", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Print the SCRAM-SHA-256 verifier of a password read from stdin.",
            "Reads one line; prints SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>,",
            "for a service's password: in the routing file.",
            "Example: printf '%%s\\n' 'orders-pass' | pgwarden scram-verifier"})
final class ScramVerifierCommand implements Callable<Integer> {

    private final InputStream stdin;

    @Spec
    private CommandSpec spec;

    ScramVerifierCommand(InputStream stdin) {
        this.stdin = stdin;
    }

    @Override
    public Integer call() throws IOException {
        String password = readPasswordLine();
        if (password.isEmpty()) {
            spec.commandLine().getErr().println("pgwarden: refusing an empty password");
            spec.commandLine().getErr().flush();
            return FailureHandler.FAILED;
        }
        spec.commandLine().getOut().println(ScramVerifier.fromPassword(password).encode());
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** The first line without its line break; empty when stdin is empty. */
    private String readPasswordLine() throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
        String line = reader.readLine();
        return line == null ? "" : line;
    }
}
