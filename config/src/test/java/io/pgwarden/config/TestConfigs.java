package io.pgwarden.config;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Parsing shortcuts for tests: an env that has nothing set, and errors as the strings users see. */
final class TestConfigs {

    /** The smallest valid file: 11 lines, so a test appending to it starts at line 12. */
    static final String MINIMAL = """
            backends:
              main:
                host: 127.0.0.1
            databases:
              orders:
                backend: main
                user: orders_owner
            services:
              orders-service:
                password: orders-pass
                databases: [orders]
            """;

    static final Function<String, String> NO_ENV = name -> null;

    private TestConfigs() {
    }

    static PgwardenConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, "test.yaml", NO_ENV);
    }

    static PgwardenConfig parse(String yaml, Map<String, String> env) throws ConfigException {
        return ConfigLoader.parse(yaml, "test.yaml", env::get);
    }

    static List<String> errorsOf(String yaml) {
        return errorsOf(yaml, Map.of());
    }

    static List<String> errorsOf(String yaml, Map<String, String> env) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml, env));
        return e.errors().stream().map(ConfigError::toString).toList();
    }
}
