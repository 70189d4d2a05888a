package io.pgwarden.auth;

/**
 * An authentication exchange failed: wrong password, unknown user, or a malformed or unexpected
 * message. The caller answers every one of them the same way (FATAL 28P01 towards a client, a
 * failed login towards PostgreSQL), so there is no finer type.
 *
 * <p>The message is for logs only. It never carries a password, proof, key or signature, so it is
 * safe to log, but it may say more than a client should learn (for example that the user is
 * unknown): do not send it to the client.
 */
public final class AuthenticationFailedException extends Exception {

    public AuthenticationFailedException(String message) {
        super(message);
    }
}
