package io.pgwarden.config;

/** Whether a transaction-mode client that creates session state keeps its server until the state is gone. */
public enum Pinning {
    /** Pinned while it holds session state pgwarden can see (temporary tables, LISTEN, ...). */
    AUTO,
    /** Never pinned: session state stays behind on the server, LISTEN is refused. */
    OFF;

    /** The spelling used in the YAML file. */
    public String yamlName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
