package io.pgwarden.cli;

import io.pgwarden.provision.Change;
import io.pgwarden.provision.ProvisionReport;
import io.pgwarden.provision.Provisioner;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code pgwarden provision --config FILE}: creates the backend roles and databases the file needs. */
@Command(name = "provision", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Create the roles and databases the routing file needs on each backend.",
            "Connects as each backend's admin. Safe to repeat: prints each change, or 'nothing to change'."})
final class ProvisionCommand implements Callable<Integer> {

    @Mixin
    private ConfigFileOption config;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ProvisionReport report = new Provisioner().provision(config.load());
        print(report, spec.commandLine().getOut());
        return 0;
    }

    static void print(ProvisionReport report, PrintWriter out) {
        if (report.isEmpty()) {
            out.println("nothing to change");
        }
        for (Change change : report.changes()) {
            out.println(change.backend() + ": " + change.description());
        }
        out.flush();
    }
}
