package io.pgwarden.provision;

/** Provisioning a backend failed; the message names the backend and never holds a password. */
public final class ProvisionException extends Exception {

    private static final long serialVersionUID = 1L;

    public ProvisionException(String message, Throwable cause) {
        super(message, cause);
    }
}
