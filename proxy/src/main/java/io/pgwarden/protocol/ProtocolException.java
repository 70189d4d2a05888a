package io.pgwarden.protocol;

/** A peer sent bytes that are not the PostgreSQL protocol: answered with 08P01 and a close. */
public class ProtocolException extends RuntimeException {

    public ProtocolException(String message) {
        super(message);
    }
}
