package io.pgwarden.frontend;

import io.pgwarden.backend.ServerSessionState;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * In transaction mode, the settings a client must find on whichever server runs its transaction:
 * those from its startup packet, and the values the server reported to it (ParameterStatus) after
 * its own SETs. Before the client's transaction runs on a server last used by someone else, the
 * differences are applied in one statement.
 */
final class ClientSettings {

    /** Reported settings a client can change with SET; the others (server_version...) are the server's. */
    private static final List<String> FOLLOWED = List.of("application_name", "client_encoding", "DateStyle",
            "IntervalStyle", "TimeZone", "standard_conforming_strings", "search_path", "default_transaction_read_only");

    private static final String SEARCH_PATH = "search_path";

    private final Map<String, String> startup;
    private final Map<String, String> reported = new HashMap<>();
    /** Startup settings over reported values; rebuilt only when a reported value changes. */
    private Map<String, String> desired;
    /** The search_path in {@link #desired}, computed with it. */
    private String searchPath = "";

    ClientSettings(Map<String, String> startup) {
        this.startup = Map.copyOf(startup);
    }

    Map<String, String> startup() {
        return startup;
    }

    /** The server told this client a setting's value (a ParameterStatus forwarded to it). */
    void reported(String name, String value) {
        if (FOLLOWED.contains(name) && !value.equals(reported.put(name, value))) {
            desired = null;
        }
    }

    private Map<String, String> desired() {
        if (desired == null) {
            Map<String, String> merged = new java.util.LinkedHashMap<>(startup);
            merged.putAll(reported);
            desired = java.util.Collections.unmodifiableMap(merged);
            searchPath = searchPathOf(merged);
        }
        return desired;
    }

    /**
     * The search_path this client resolves names with, as pgwarden knows it (from its startup packet, or
     * reported by the server): "" for the server's default. A SET of it that the server does not report
     * (before PostgreSQL 18) pins the client and is not seen here.
     */
    String searchPath() {
        desired();
        return searchPath;
    }

    private String searchPathOf(Map<String, String> merged) {
        String value = reported.get(SEARCH_PATH);
        if (value != null) {
            return value;
        }
        String found = "";
        for (Map.Entry<String, String> setting : merged.entrySet()) {
            if (setting.getKey().equalsIgnoreCase(SEARCH_PATH)) {
                found = setting.getValue(); // the last one spelled any way: PostgreSQL applies them in order
            }
        }
        return found;
    }

    /** True when {@code server} holds exactly these settings: same wishes as its last client, same reported values. */
    private boolean alreadyHeld(Map<String, String> wanted, ServerSessionState server, Map<String, String> serverReported) {
        if (wanted != server.lastDesired() && !wanted.equals(server.lastDesired())) {
            return false;
        }
        for (String name : FOLLOWED) {
            String value = wanted.get(name);
            if (value != null && serverReported.containsKey(name) && !value.equals(serverReported.get(name))) {
                return false;
            }
        }
        return true;
    }

    /**
     * True when pgwarden carries the setting {@code lowerCaseName} to the client's next server itself:
     * one it follows that {@code serverReported} shows (search_path is reported from PostgreSQL 18 only).
     * A SET of it needs no pin.
     */
    static boolean carries(String lowerCaseName, Map<String, String> serverReported) {
        for (String name : FOLLOWED) {
            if (name.equalsIgnoreCase(lowerCaseName)) {
                return serverReported.containsKey(name);
            }
        }
        return false;
    }

    /**
     * Whether the server's report of a setting is what it holds. A setting it does not report
     * (search_path before PostgreSQL 18) is compared with what pgwarden applied there instead;
     * else it would be applied again whenever another client takes the server.
     */
    private static boolean followedOn(String name, Map<String, String> serverReported) {
        return FOLLOWED.contains(name) && serverReported.containsKey(name);
    }

    /**
     * The server ran this client's SET or RESET of search_path, which it does not report (before
     * PostgreSQL 18), and {@code SHOW search_path} said {@code value} at the end of the transaction: the
     * client's search_path from now on, carried to its next servers as a reported one would be. The
     * server holds it, for this client: a next client that wants another (or none) gets it reset.
     * Called on the server's event loop.
     */
    void searchPathShown(String value, ServerSessionState server, Map<String, String> serverReported) {
        reported(SEARCH_PATH, value);
        Map<String, String> wanted = desired();
        server.lastDesired(wanted);
        recordApplied(server.appliedSettings(), wanted, serverReported); // search_path is among them
    }

    /** What {@code server} holds of the settings it does not report, once {@code wanted} is applied there. */
    private static void recordApplied(Map<String, String> applied, Map<String, String> wanted, Map<String, String> serverReported) {
        applied.clear();
        wanted.forEach((name, value) -> {
            if (!followedOn(name, serverReported)) {
                applied.put(name, value);
            }
        });
    }

    /**
     * The client reset search_path (RESET search_path, RESET ALL, DISCARD ALL) where the server does not
     * report it: it is back at its startup search_path, not at one the server showed after a SET.
     */
    void searchPathReset() {
        if (reported.remove(SEARCH_PATH) != null) {
            desired = null;
        }
    }

    void reportedAll(Map<String, String> values) {
        values.forEach(this::reported);
    }

    /**
     * The statement that makes {@code server} hold this client's settings, or null when it does
     * already; records them as applied. Called on the server's event loop.
     *
     * <p>What the client should find: its startup settings, overridden by the reported values it has
     * seen since (its own SETs). Reported settings are compared with what the server reports now;
     * the others with what pgwarden applied there for the last client, which are reset when this
     * client did not ask for them.
     */
    String syncStatement(long clientId, ServerSessionState server, Map<String, String> serverReported) {
        boolean forgotten = server.takeSettingsForgotten();
        if (server.lastClientId() == clientId && !forgotten) {
            return null; // nobody else used it since, and it was not reset
        }
        server.lastClientId(clientId);
        Map<String, String> desired = desired();
        if (alreadyHeld(desired, server, serverReported)) {
            return null; // the common case: clients of one service want the same settings; nothing allocated
        }
        server.lastDesired(desired);
        Map<String, String> applied = server.appliedSettings();
        Map<String, String> changes = new java.util.LinkedHashMap<>();
        desired.forEach((name, value) -> {
            String current = followedOn(name, serverReported) ? serverReported.get(name) : applied.get(name);
            if (!value.equals(current)) {
                changes.put(name, value);
            }
        });
        List<String> resets = applied.keySet().stream().filter(name -> !desired.containsKey(name)).toList();
        recordApplied(applied, desired, serverReported);
        if (changes.isEmpty() && resets.isEmpty()) {
            return null;
        }
        StringBuilder sql = new StringBuilder();
        resets.forEach(name -> sql.append("RESET ").append(quoteIdentifier(name)).append("; "));
        if (!changes.isEmpty()) {
            sql.append(SessionParameters.applyStatement(changes));
        }
        return sql.toString();
    }

    private static String quoteIdentifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }
}
