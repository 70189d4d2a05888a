package io.pgwarden.backend;

import java.util.HashMap;
import java.util.Map;

/**
 * What transaction-mode clients leave behind on a server connection and pgwarden keeps track of:
 * the startup settings it applied for the last client, who that client was, the statements
 * prepared there, and whether a client may have changed the role the session acts as. Used on the server's event loop only.
 */
public final class ServerSessionState {

    /**
     * Puts back the role the server logged in as, before another client uses it (RESET ALL and
     * DISCARD-less reset queries leave the role alone). RESET SESSION AUTHORIZATION resets the role
     * too; RESET ROLE covers a session whose authorization never changed.
     */
    public static final String IDENTITY_RESET = "RESET SESSION AUTHORIZATION; RESET ROLE";

    private final ServerStatements statements;
    private final Map<String, String> appliedSettings = new HashMap<>();
    private long lastClientId = -1;
    private Map<String, String> lastDesired = Map.of();
    private boolean identityMayHaveChanged;
    private boolean settingsForgotten;

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

    /** A client ran something that may have changed the session's role or authorization. */
    public void identityMayHaveChanged() {
        identityMayHaveChanged = true;
    }

    /** True when the role must be reset before another client uses this server; the mark is cleared. */
    public boolean takeIdentityChange() {
        boolean changed = identityMayHaveChanged;
        identityMayHaveChanged = false;
        return changed;
    }

    /**
     * DISCARD ALL ran: no statement is prepared here any more, and the role and the settings are
     * the defaults, so whoever comes next (the same client too) gets its settings applied afresh.
     */
    public void discarded() {
        statements.clear();
        forgetSettings();
        lastClientId = -1;
        identityMayHaveChanged = false;
    }

    /**
     * The server is back at its session defaults (DISCARD ALL, RESET ALL, RESET of a setting ran
     * there): whoever runs next, the last client too, gets its settings applied afresh.
     */
    public void forgetSettings() {
        appliedSettings.clear();
        lastDesired = Map.of();
        settingsForgotten = true; // not "another client was here": that would also reset a role the client SET
    }

    /** True once after {@link #forgetSettings()}: the settings must be applied even for the last client. */
    public boolean takeSettingsForgotten() {
        boolean forgotten = settingsForgotten;
        settingsForgotten = false;
        return forgotten;
    }

    /** The settings the last client wanted (its startup settings over its reported values), as applied here. */
    public Map<String, String> lastDesired() {
        return lastDesired;
    }

    public void lastDesired(Map<String, String> desired) {
        this.lastDesired = desired;
    }
}
