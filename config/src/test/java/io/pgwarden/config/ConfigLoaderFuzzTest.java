package io.pgwarden.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * Any text given as the routing file loads into a config or fails with one {@link ConfigException}
 * listing problems, each with a message; never another exception (the CLI would print a stack
 * trace instead of the file's mistakes), and never a report out of proportion to the file.
 */
class ConfigLoaderFuzzTest {

    /** {@code ${PGWARDEN_ADMIN_PASSWORD}} and {@code ${PORT}} are set; every other variable is not. */
    private static final Function<String, String> ENV = name -> switch (name) {
        case "PGWARDEN_ADMIN_PASSWORD" -> "admin-pw";
        case "PORT" -> "5433";
        default -> null;
    };

    @FuzzTest(maxDuration = "5s")
    void anyTextLoadsOrListsItsProblems(byte[] input) {
        String yaml = new String(input, StandardCharsets.UTF_8);
        PgwardenConfig config;
        try {
            config = ConfigLoader.parse(yaml, "fuzz.yaml", ENV);
        } catch (ConfigException e) {
            assertFalse(e.errors().isEmpty());
            for (ConfigError error : e.errors()) {
                assertFalse(error.message() == null || error.message().isEmpty(), "every problem says what is wrong");
                assertTrue(error.line() >= 0);
            }
            assertTrue(e.getMessage().length() <= 1_000L * (input.length + 1), "a report in proportion to the file");
            return;
        }
        assertNotNull(config);
        assertFalse(config.backends().isEmpty() || config.databases().isEmpty() || config.services().isEmpty(),
                "a loaded config has the three required sections");
        config.databases().values().forEach(database ->
                assertTrue(config.backends().containsKey(database.backend()), "every database is on a defined backend"));
    }
}
