package io.pgwarden.config;

import java.util.List;

/** A config file that cannot be used. Carries every problem found, not just the first. */
public final class ConfigException extends Exception {

    private final String sourceName;
    private final List<ConfigError> errors;

    public ConfigException(String sourceName, List<ConfigError> errors) {
        super(describe(sourceName, errors));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one error");
        }
        this.sourceName = sourceName;
        this.errors = List.copyOf(errors);
    }

    /** The file name (or other label) given to the loader. */
    public String sourceName() {
        return sourceName;
    }

    /** In file order: by line, then in the order they were found. */
    public List<ConfigError> errors() {
        return errors;
    }

    private static String describe(String sourceName, List<ConfigError> errors) {
        StringBuilder message = new StringBuilder(sourceName).append(": ")
                .append(errors.size()).append(errors.size() == 1 ? " error" : " errors");
        for (ConfigError error : errors) {
            message.append("\n  ").append(error);
        }
        return message.toString();
    }
}
