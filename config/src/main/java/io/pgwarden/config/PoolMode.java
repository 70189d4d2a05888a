package io.pgwarden.config;

/** How long a client keeps a server connection. */
public enum PoolMode {
    /** For the whole client session. */
    SESSION,
    /** For one transaction: given back when the server reports ReadyForQuery 'I'. */
    TRANSACTION;

    /** The spelling used in the YAML file. */
    public String yamlName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
