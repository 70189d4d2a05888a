package io.pgwarden.protocol.frontend;

/** SSLRequest (code 80877103): the client asks for TLS before anything else. */
public enum SslRequest implements StartupPacket {
    INSTANCE;

    public static final int CODE = 80877103;
}
