package io.pgwarden.backend;

/**
 * TLS toward a backend could not be set up as its {@code tls:} settings demand (not offered, a
 * certificate that does not check out, a failed handshake). The client hears only that the
 * database is unavailable; this message goes to the log.
 */
final class BackendTlsException extends Exception {

    BackendTlsException(String message) {
        super(message, null, false, false); // an expected failure: no stack trace to fill
    }
}
