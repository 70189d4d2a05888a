package io.pgwarden.cli;

import io.pgwarden.Pgwarden;
import io.pgwarden.config.PgwardenConfig;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code pgwarden run --config FILE}: serves clients until the process is told to stop. */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Serve clients as a routing file says, until stopped (Ctrl-C, SIGTERM).")
final class RunCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    @Mixin
    private ConfigFileOption config;

    @Override
    public Integer call() throws Exception {
        PgwardenConfig loaded = config.load();
        Pgwarden pgwarden = new Pgwarden(loaded, () -> io.pgwarden.config.ConfigLoader.load(config.file)).start();
        Logs.closeOnExit("pgwarden-shutdown", pgwarden::close);
        // SIGTERM drains (rolling deploys); a second one, or SIGINT, ends at once (the JVM's hook closes everything)
        Signals.on("TERM", pgwarden::terminate);
        Signals.on("HUP", () -> {
            log.info("SIGHUP: reloading {}", config.file);
            pgwarden.reload();
        });
        ConfigWatcher watcher = new ConfigWatcher(config.file, () -> pgwarden.runningConfig().lifecycle().watchConfig(),
                pgwarden::reload);
        log.info("serving {} on {}:{}; Ctrl-C or SIGTERM stops", config.file, loaded.listen().host(), pgwarden.port());
        pgwarden.awaitClose();
        watcher.close();
        return 0;
    }
}
