package io.pgwarden.bench;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code --name value} pairs of one sub-command; unknown or missing names are usage errors. */
final class Options {

    private final String command;
    private final Map<String, String> values = new HashMap<>();

    private Options(String command) {
        this.command = command;
    }

    static Options parse(String command, String[] args, int from, Set<String> known) {
        Options options = new Options(command);
        for (int i = from; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || i + 1 >= args.length) {
                throw new UsageException(command + ": expected --name value, got '" + arg + "'");
            }
            String name = arg.substring(2);
            if (!known.contains(name)) {
                throw new UsageException(command + ": unknown option --" + name + "; known: " + known);
            }
            options.values.put(name, args[++i]);
        }
        return options;
    }

    String get(String name) {
        String value = values.get(name);
        if (value == null) {
            throw new UsageException(command + ": --" + name + " is required");
        }
        return value;
    }

    String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    int integer(String name, int fallback) {
        return values.containsKey(name) ? Integer.parseInt(values.get(name)) : fallback;
    }

    /** {@code a=1,b=2} as a map; empty for an absent or empty option. */
    Map<String, String> pairs(String name) {
        Map<String, String> pairs = new LinkedHashMap<>();
        String value = values.getOrDefault(name, "");
        for (String pair : value.split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq < 1) {
                throw new UsageException(command + ": --" + name + " expects name=value pairs, got '" + pair + "'");
            }
            pairs.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return pairs;
    }

    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
