package io.pgwarden.config;

/** {@code backends.<name>.tls.mode}: libpq's sslmode, with its meanings. */
public enum BackendTlsMode {
    /** Never TLS. */
    DISABLE("disable"),
    /** In the clear first; TLS only if PostgreSQL refuses the login without it. */
    ALLOW("allow"),
    /** TLS if PostgreSQL offers it, else in the clear (libpq's default). */
    PREFER("prefer"),
    /** TLS or no connection; the certificate is checked only when {@code ca} is given (as libpq with a root cert). */
    REQUIRE("require"),
    /** TLS, and the certificate must chain to {@code ca}. */
    VERIFY_CA("verify-ca"),
    /** As verify-ca, and the certificate must name the backend's host. */
    VERIFY_FULL("verify-full");

    private final String yamlName;

    BackendTlsMode(String yamlName) {
        this.yamlName = yamlName;
    }

    /** The spelling in the YAML file, in libpq's sslmode and pgjdbc's. */
    public String yamlName() {
        return yamlName;
    }

    /** The first attempt sends an SSLRequest. */
    public boolean asksForTls() {
        return this != DISABLE && this != ALLOW;
    }

    /** No connection without TLS. */
    public boolean requiresTls() {
        return this == REQUIRE || this == VERIFY_CA || this == VERIFY_FULL;
    }
}
