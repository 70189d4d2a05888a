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
        String tls = "";
        if (loaded.listen().tls().enabled()) { // the files' contents too, as run would read them
            try (io.pgwarden.tls.ClientTls files = io.pgwarden.tls.ClientTls.load(loaded.listen().tls())) {
                tls = ", " + files.describe();
            } catch (io.pgwarden.tls.TlsSetupException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
        spec.commandLine().getOut().printf("OK: %d backends, %d databases, %d services%s%n",
                loaded.backends().size(), loaded.databases().size(), loaded.services().size(), tls);
        return 0;
    }
}
