package io.pgwarden.protocol.frontend;

/**
 * A Terminate message ({@code X}, length 4) where the startup packet belongs: a client that
 * connected and gave up at once (node-postgres's {@code connect()} then {@code end()}). PostgreSQL
 * reads these bytes as a startup packet of an invalid length and closes without a word.
 */
public enum EarlyTerminate implements StartupPacket {
    INSTANCE;

    static final int LENGTH = 5;
}
