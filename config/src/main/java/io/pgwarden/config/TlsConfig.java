package io.pgwarden.config;

import java.time.Duration;
import java.util.List;

/**
 * TLS between clients and pgwarden ({@code listen.tls}).
 *
 * @param mode           PgBouncer's client_tls_sslmode; {@code prefer} when the section is there
 *                       without one
 * @param cert           the server certificate chain, PEM ("" when disabled)
 * @param key            its private key, PEM PKCS#8 (RSA or EC)
 * @param ca             CA certificates (PEM) that sign client certificates; "" for none: then no
 *                       client certificate is asked for
 * @param minVersion     TLSv1.2 or TLSv1.3
 * @param ciphers        cipher suites, IANA names, in order of preference (TLS 1.3's and 1.2's)
 * @param reloadInterval how often the files' modification times are checked for a rotation; 0 never
 */
public record TlsConfig(ClientTlsMode mode, String cert, String key, String ca, String minVersion,
                        List<String> ciphers, Duration reloadInterval) {

    public static final List<String> PROTOCOLS = List.of("TLSv1.2", "TLSv1.3");
    public static final String DEFAULT_MIN_VERSION = "TLSv1.2";
    public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(10);

    /**
     * AEAD suites with forward secrecy only, as Mozilla's "intermediate" profile: TLS 1.3's three,
     * then TLS 1.2's ECDHE with AES-GCM or ChaCha20-Poly1305.
     */
    public static final List<String> DEFAULT_CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    public static final TlsConfig DISABLED = new TlsConfig(ClientTlsMode.DISABLE, "", "", "",
            DEFAULT_MIN_VERSION, DEFAULT_CIPHERS, DEFAULT_RELOAD_INTERVAL);

    public TlsConfig {
        ciphers = List.copyOf(ciphers);
    }

    public boolean enabled() {
        return mode.enabled();
    }

    /** A CA is configured: client certificates are asked for, and checked against it when sent. */
    public boolean hasCa() {
        return !ca.isEmpty();
    }
}
