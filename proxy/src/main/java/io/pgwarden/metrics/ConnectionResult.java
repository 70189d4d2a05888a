package io.pgwarden.metrics;

/** The {@code result} label of {@code pgwarden_client_connections_total}. */
enum ConnectionResult {
    /** Authenticated and granted the database. */
    OK("ok"),
    /** Authenticated, but the service is not granted the database it asked for. */
    DENIED("denied"),
    /** The client could not prove it is the service it names. */
    AUTH_FAILED("auth_failed");

    private final String label;

    ConnectionResult(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }
}
