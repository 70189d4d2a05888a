package io.pgwarden.config;

/**
 * How pgwarden treats TLS from clients: PgBouncer's {@code client_tls_sslmode}, value for value.
 * {@code allow} and {@code prefer} mean the same on a server (the client chooses); so do
 * {@code verify-ca} and {@code verify-full} (a client certificate signed by {@code listen.tls.ca}
 * is required; a server has no host name of the client's to check).
 */
public enum ClientTlsMode {
    /** SSLRequest is answered 'N', as before TLS existed. */
    DISABLE("disable"),
    ALLOW("allow"),
    PREFER("prefer"),
    /** A client that does not use TLS is refused after its StartupMessage. */
    REQUIRE("require"),
    VERIFY_CA("verify-ca"),
    VERIFY_FULL("verify-full");

    private final String yamlName;

    ClientTlsMode(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    public boolean enabled() {
        return this != DISABLE;
    }

    /** A client without TLS is refused. */
    public boolean requiresTls() {
        return compareTo(REQUIRE) >= 0;
    }

    /** Every client must present a certificate signed by the configured CA. */
    public boolean requiresClientCertificate() {
        return compareTo(VERIFY_CA) >= 0;
    }
}
