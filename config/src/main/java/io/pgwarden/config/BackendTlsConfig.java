package io.pgwarden.config;

/**
 * {@code backends.<name>.tls}: how pgwarden's connections to PostgreSQL use TLS (pooled, cancel,
 * admin and sampler connections alike).
 *
 * @param mode as libpq's sslmode; default prefer
 * @param ca   PEM file of the CA certificates the server's must chain to; null: not checked
 * @param cert PEM file of the client certificate for PostgreSQL's {@code cert} authentication; null: none
 * @param key  PEM (PKCS#8) file of its private key, with {@code cert}
 */
public record BackendTlsConfig(BackendTlsMode mode, String ca, String cert, String key) {

    /** As libpq without settings: TLS when the server offers it, its certificate unchecked. */
    public static final BackendTlsConfig DEFAULT = new BackendTlsConfig(BackendTlsMode.PREFER, null, null, null);

    /** The server certificate is checked against {@code ca} (verify-ca, verify-full, or require with a ca, as libpq). */
    public boolean verifiesCertificate() {
        return ca != null && mode.asksForTls() || mode == BackendTlsMode.VERIFY_CA || mode == BackendTlsMode.VERIFY_FULL;
    }
}
