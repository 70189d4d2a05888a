package io.pgwarden.cli;

import java.io.InputStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code pgwarden}: the jar's entry point. Exit codes: 0 ok, 1 a config error or a failure,
 * 2 a usage error.
 */
@Command(
        name = "pgwarden",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "A connection-routing proxy in front of a shared PostgreSQL.",
        synopsisSubcommandLabel = "COMMAND")
public final class PgwardenCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        int exitCode = commandLine(System.in).execute(args);
        Logs.flushAtExit();
        System.exit(exitCode);
    }

    /** The command tree; {@code stdin} feeds {@code scram-verifier} (tests pass their own). */
    public static CommandLine commandLine(InputStream stdin) {
        return new CommandLine(new PgwardenCommand())
                .addSubcommand(new RunCommand())
                .addSubcommand(new DemoCommand())
                .addSubcommand(new ProvisionCommand())
                .addSubcommand(new CheckCommand())
                .addSubcommand(new ReloadCommand())
                .addSubcommand(new AuditCommand())
                .addSubcommand(new ScramVerifierCommand(stdin))
                .setExecutionExceptionHandler(new FailureHandler());
    }

    /** Without a subcommand there is nothing to do: show what there is. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
    }
}
