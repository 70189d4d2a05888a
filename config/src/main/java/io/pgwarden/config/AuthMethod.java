package io.pgwarden.config;

/** How a service authenticates to pgwarden. */
public enum AuthMethod {
    SCRAM_SHA_256("scram-sha-256"),
    MD5("md5"),
    /** A client certificate signed by listen.tls.ca whose CN is the service name; no password. */
    CERT("cert"),
    /** Both: the certificate as for cert, then SCRAM-SHA-256 with the service's password. */
    SCRAM_CERT("scram+cert");

    private final String yamlName;

    AuthMethod(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    public boolean needsCertificate() {
        return this == CERT || this == SCRAM_CERT;
    }

    public boolean usesScram() {
        return this == SCRAM_SHA_256 || this == SCRAM_CERT;
    }
}
