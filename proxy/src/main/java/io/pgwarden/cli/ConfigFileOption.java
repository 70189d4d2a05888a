package io.pgwarden.cli;

import io.pgwarden.config.ConfigException;
import io.pgwarden.config.ConfigLoader;
import io.pgwarden.config.PgwardenConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --config FILE} every command that needs a routing file shares. */
final class ConfigFileOption {

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "The routing file (YAML).")
    Path file;

    /** @throws ConfigException with every problem in the file; {@link FailureHandler} prints them */
    PgwardenConfig load() throws ConfigException {
        return ConfigLoader.load(file);
    }
}
