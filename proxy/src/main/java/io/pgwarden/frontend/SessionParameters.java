package io.pgwarden.frontend;

import io.pgwarden.protocol.frontend.StartupMessage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The run-time settings a client asked for in its startup packet, to be applied on whichever server
 * connection it gets (one opened for somebody else, and reset since). Plain parameters are settings
 * by name; {@code options} holds command-line switches ({@code -c name=value}, {@code --name=value}).
 */
final class SessionParameters {

    /** Startup parameters that are not settings. */
    private static final String SEARCH_PATH = "search_path";

    private static final List<String> NOT_SETTINGS = List.of("user", "database", "options", "replication");

    private SessionParameters() {
    }

    /** Settings in the order PostgreSQL applies them: the packet's, then those from {@code options}. */
    static Map<String, String> settings(StartupMessage startup) {
        return settings(startup, "");
    }

    /**
     * The same, with {@code defaultSearchPath} (a schema-routed database's, "" for none) as the
     * client's search_path unless it names its own, in the packet or in {@code options}.
     */
    static Map<String, String> settings(StartupMessage startup, String defaultSearchPath) {
        Map<String, String> settings = new LinkedHashMap<>();
        if (!defaultSearchPath.isEmpty()) {
            settings.put(SEARCH_PATH, defaultSearchPath);
        }
        startup.parameters().forEach((name, value) -> {
            if (!NOT_SETTINGS.contains(name) && !name.startsWith("_pq_.")) {
                settings.put(name, value);
            }
        });
        String options = startup.parameters().get("options");
        if (options != null) {
            settings.putAll(parseOptions(options));
        }
        if (!defaultSearchPath.isEmpty() && settings.keySet().stream().filter(SEARCH_PATH::equalsIgnoreCase).count() > 1) {
            settings.remove(SEARCH_PATH); // the client's own, spelled another way (setting names ignore case)
        }
        return settings;
    }

    /**
     * Splits {@code options} as PostgreSQL's pg_split_opts does (white space separates, a backslash
     * escapes the next character) and reads {@code -c name=value}, {@code -cname=value} and
     * {@code --name=value}.
     */
    static Map<String, String> parseOptions(String options) {
        List<String> words = splitOptions(options);
        Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            String assignment;
            if (word.equals("-c")) {
                if (++i >= words.size()) {
                    throw new IllegalArgumentException("option -c needs a name=value argument");
                }
                assignment = words.get(i);
            } else if (word.startsWith("-c")) {
                assignment = word.substring(2);
            } else if (word.startsWith("--")) {
                assignment = word.substring(2);
            } else {
                throw new IllegalArgumentException("invalid command-line argument for server process: " + word);
            }
            int equals = assignment.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("-c " + assignment + " requires a value");
            }
            // PostgreSQL treats '-' in option names as '_'
            settings.put(assignment.substring(0, equals).replace('-', '_'), assignment.substring(equals + 1));
        }
        return settings;
    }

    private static List<String> splitOptions(String options) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < options.length(); i++) {
            char c = options.charAt(i);
            if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else if (c == '\\' && i + 1 < options.length()) {
                word.append(options.charAt(++i));
                inWord = true;
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    /**
     * One statement that applies every setting as the startup packet would (set_config parses the
     * value exactly like a startup parameter, list settings such as search_path included). Escape
     * string literals do not depend on standard_conforming_strings.
     */
    static String applyStatement(Map<String, String> settings) {
        StringBuilder sql = new StringBuilder("SELECT ");
        boolean first = true;
        for (Map.Entry<String, String> setting : settings.entrySet()) {
            if (!first) {
                sql.append(", ");
            }
            first = false;
            sql.append("pg_catalog.set_config(").append(literal(setting.getKey())).append(", ")
                    .append(literal(setting.getValue())).append(", false)");
        }
        return sql.toString();
    }

    static String literal(String value) {
        StringBuilder out = new StringBuilder(value.length() + 4).append("E'");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\'' || c == '\\') {
                out.append(c);
            }
            out.append(c);
        }
        return out.append('\'').toString();
    }
}
