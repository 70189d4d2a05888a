package io.pgwarden.cli;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Runs the command tree in-process with captured stdin, stdout and stderr. */
record CommandResult(int exitCode, String out, String err) {

    static CommandResult run(String... args) {
        return runWithStdin("", args);
    }

    static CommandResult runWithStdin(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = PgwardenCommand.commandLine(
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        int exitCode = command.execute(args);
        return new CommandResult(exitCode, out.toString(), err.toString());
    }
}
