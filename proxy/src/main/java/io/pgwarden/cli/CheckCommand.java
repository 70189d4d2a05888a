package io.pgwarden.cli;

import io.pgwarden.config.PgwardenConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code pgwarden check --config FILE}: validates a routing file without touching any server. */
@Command(name = "check", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Validate a routing file without connecting to anything.",
            "Prints a summary, or every error with its line (exit code 1)."})
final class CheckCommand implements Callable<Integer> {

    @Mixin
    private ConfigFileOption config;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PgwardenConfig loaded = config.load();
        spec.commandLine().getOut().printf("OK: %d backends, %d databases, %d services%n",
                loaded.backends().size(), loaded.databases().size(), loaded.services().size());
        return 0;
    }
}
