package io.pgwarden.protocol.frontend;

/** GSSENCRequest (code 80877104): the client asks for GSSAPI encryption. */
public enum GssEncRequest implements StartupPacket {
    INSTANCE;

    public static final int CODE = 80877104;
}
