package io.pgwarden.config;

/** How a service authenticates to pgwarden. */
public enum AuthMethod {
    SCRAM_SHA_256("scram-sha-256"),
    MD5("md5");

    private final String yamlName;

    AuthMethod(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }
}
