package io.pgwarden.tls;

/** The TLS files cannot be used: what is wrong, naming the file, for the operator. */
public final class TlsSetupException extends Exception {

    public TlsSetupException(String message) {
        super(message);
    }
}
