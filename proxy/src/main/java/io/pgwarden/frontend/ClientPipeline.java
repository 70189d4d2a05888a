package io.pgwarden.frontend;

/**
 * Names of a client connection's pipeline handlers, in order. The first two are swapped as the
 * connection moves through its phases:
 * <pre>
 *   phase            decoder                                 handler
 *   startup          {@link #STARTUP} StartupPacketDecoder   {@link #HANDSHAKE} StartupHandler
 *   authentication   {@link #FRAMES} (small frames only)     {@link #HANDSHAKE} AuthenticationHandler
 *   session          {@link #FRAMES} MessageFrameDecoder     {@link #SESSION} ClientSession
 * </pre>
 */
public final class ClientPipeline {

    public static final String STARTUP = "startup";
    public static final String FRAMES = "frames";
    public static final String HANDSHAKE = "handshake";
    public static final String SESSION = "session";

    private ClientPipeline() {
    }
}
