package io.pgwarden.cli;

import io.pgwarden.config.ConfigException;
import io.pgwarden.config.ConfigLoader;
import io.pgwarden.config.PgwardenConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where {@code pgwarden demo} finds its config when none is given. */
final class DemoConfigFile {

    static final Path IN_SOURCE_TREE = Path.of("config", "examples", "demo.yaml");
    static final String PACKAGED = "/examples/demo.yaml";

    private DemoConfigFile() {
    }

    /**
     * {@code config/examples/demo.yaml} under the working directory (a checkout, where it may have
     * been edited), else the copy packaged in the jar.
     */
    static PgwardenConfig load() throws IOException, ConfigException {
        if (Files.isRegularFile(IN_SOURCE_TREE)) {
            return ConfigLoader.load(IN_SOURCE_TREE);
        }
        try (InputStream packaged = DemoConfigFile.class.getResourceAsStream(PACKAGED)) {
            if (packaged == null) {
                throw new IOException("no demo config: neither " + IN_SOURCE_TREE + " nor " + PACKAGED
                        + " in the jar; pass --config FILE");
            }
            String yaml = new String(packaged.readAllBytes(), StandardCharsets.UTF_8);
            return ConfigLoader.parse(yaml, "pgwarden.jar!" + PACKAGED, System::getenv);
        }
    }
}
