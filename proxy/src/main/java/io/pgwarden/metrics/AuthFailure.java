package io.pgwarden.metrics;

/**
 * The {@code reason} label of {@code pgwarden_auth_failures_total}. The client is told the same
 * thing in every case (so user names cannot be probed); the metric may tell operators more.
 */
public enum AuthFailure {
    /** A known service gave the wrong password (SCRAM proof or md5 response did not match). */
    WRONG_PASSWORD("wrong_password"),
    /** The user name is no configured service. */
    UNKNOWN_SERVICE("unknown_service"),
    /** The exchange itself was malformed or used a mechanism pgwarden does not offer. */
    PROTOCOL_ERROR("protocol_error"),
    /** SCRAM-SHA-256-PLUS bound to another server certificate, or a 'y' flag where binding was possible. */
    CHANNEL_BINDING("channel_binding"),
    /** auth: cert or scram+cert, and no client certificate, or one for another service. */
    CERTIFICATE("certificate"),
    /** The client did not finish logging in in time. */
    TIMEOUT("timeout");

    private final String label;

    AuthFailure(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
