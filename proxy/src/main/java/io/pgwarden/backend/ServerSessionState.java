package io.pgwarden.backend;

import java.util.HashMap;
import java.util.Map;

/**
 * What transaction-mode clients leave behind on a server connection and pgwarden keeps track of:
 * the startup settings it applied for the last client, who that client was, and the statements
 * prepared there. Used on the server's event loop only.
 */
public final class ServerSessionState {

    private final ServerStatements statements;
    private final Map<String, String> appliedSettings = new HashMap<>();
    private long lastClientId = -1;
    private Map<String, String> lastDesired = Map.of();

    ServerSessionState(int statementCapacity) {
        this.statements = new ServerStatements(statementCapacity);
    }

    public ServerStatements statements() {
        return statements;
    }

    /** Startup settings pgwarden applied here (name → value), for the last client. */
    public Map<String, String> appliedSettings() {
        return appliedSettings;
    }

    public long lastClientId() {
        return lastClientId;
    }

    public void lastClientId(long clientId) {
        this.lastClientId = clientId;
    }

    /** The settings the last client wanted (its startup settings over its reported values), as applied here. */
    public Map<String, String> lastDesired() {
        return lastDesired;
    }

    public void lastDesired(Map<String, String> desired) {
        this.lastDesired = desired;
    }
}
