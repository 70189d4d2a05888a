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

    private final transient ClientError clientError;

    public AuthenticationFailedException(String message) {
        this(message, null);
    }

    /** @param clientError what the client is told instead of "password authentication failed" */
    public AuthenticationFailedException(String message, ClientError clientError) {
        super(message);
        this.clientError = clientError;
    }

    /** Null: the client gets the usual 28P01 "password authentication failed". */
    public ClientError clientError() {
        return clientError;
    }
}
