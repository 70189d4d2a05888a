package io.pgwarden.auth;

/**
 * An authentication exchange failed: wrong password, unknown user, or a malformed or unexpected
 * message. Most are answered the same way (FATAL 28P01 towards a client, a failed login towards
 * PostgreSQL); the few that PostgreSQL answers with words of their own (channel binding, a client
 * certificate) carry those words in {@link #clientError()}.
 *
 * <p>The message is for logs only. It never carries a password, proof, key or signature, so it is
 * safe to log, but it may say more than a client should learn (for example that the user is
 * unknown): do not send it to the client.
 */
public final class AuthenticationFailedException extends Exception {

    /** What PostgreSQL tells the client in this case: SQLSTATE, message, and detail (null for none). */
    public record ClientError(String sqlState, String message, String detail) {
    }

    /** Which kind of failure it was, for operators (the metric's reason). */
    public enum Reason {
        /** A wrong password or an unknown user: the one answer that gives nothing away. */
        CREDENTIALS,
        /** Malformed, or a mechanism that was not offered. */
        PROTOCOL,
        CHANNEL_BINDING,
        CERTIFICATE
    }

    private final Reason reason;
    private final transient ClientError clientError;

    public AuthenticationFailedException(String message) {
        super(message);
        this.reason = Reason.CREDENTIALS;
        this.clientError = null;
    }

    /** @param clientError what the client is told instead of "password authentication failed" */
    public AuthenticationFailedException(String message, Reason reason, ClientError clientError) {
        super(message);
        this.reason = reason;
        this.clientError = clientError;
    }

    public Reason reason() {
        return reason;
    }

    /** Null: the client gets the usual 28P01 "password authentication failed". */
    public ClientError clientError() {
        return clientError;
    }
}
