package io.pgwarden.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one load found: the errors so far, and the line of every key the file sets. The validator
 * works on records, which have no lines; it asks here where a value was written, and whether it
 * was written at all (a value left to its default needs no checking).
 */
final class Diagnostics {

    private final Map<String, Integer> lines = new HashMap<>();
    // A set: one inherited pool value can be reached from several databases, reported once.
    private final Set<ConfigError> errors = new LinkedHashSet<>();

    void recordLine(String path, int line) {
        lines.putIfAbsent(path, line);
    }

    /** Whether the file sets this key (rather than leaving it to a default). */
    boolean isSet(String path) {
        return lines.containsKey(path);
    }

    int lineOf(String path) {
        return lines.getOrDefault(path, 0);
    }

    void error(String path, int line, String message) {
        errors.add(new ConfigError(path, line, message));
    }

    /** An error at a key the file sets, on that key's line. */
    void error(String path, String message) {
        error(path, lineOf(path), message);
    }

    boolean hasErrors() {
        return !errors.isEmpty();
    }

    /** In file order, so the list reads top to bottom like the file. */
    List<ConfigError> errors() {
        List<ConfigError> sorted = new ArrayList<>(errors);
        sorted.sort(Comparator.comparingInt(ConfigError::line));
        return sorted;
    }
}
