package io.pgwarden.cli;

import io.pgwarden.audit.AuditOutput;
import io.pgwarden.audit.AuditReport;
import io.pgwarden.audit.DatabaseConnector;
import io.pgwarden.audit.IsolationAudit;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pgwarden audit --config FILE [--format table|json]}: measures isolation on every backend. */
@Command(name = "audit", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Report, for every backend, what breaks the isolation of the services' databases: who else can",
            "connect, roles that reach several databases, sessions that bypass pgwarden, objects shared",
            "across databases, and drift from the config. Connects as each backend's admin; changes nothing.",
            "Exit code 1 when a finding is of severity high (or a backend cannot be audited)."})
final class AuditCommand implements Callable<Integer> {

    /** How the report is printed. */
    enum Format { table, json }

    @Mixin
    private ConfigFileOption config;

    @Option(names = "--format", defaultValue = "table", paramLabel = "FORMAT",
            description = "table (one finding a line) or json. Default: ${DEFAULT-VALUE}.")
    private Format format;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        AuditReport report = new IsolationAudit(DatabaseConnector.pgjdbc(Duration.ofSeconds(30))).audit(config.load());
        PrintWriter out = spec.commandLine().getOut();
        out.print(format == Format.json ? AuditOutput.json(report) : AuditOutput.table(report));
        out.flush();
        return report.hasHigh() ? FailureHandler.FAILED : 0;
    }
}
