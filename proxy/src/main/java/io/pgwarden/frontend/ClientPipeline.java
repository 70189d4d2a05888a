package io.pgwarden.frontend;

/**
 * Names of a client connection's pipeline handlers, in order. First comes {@link #DIRECT_TLS},
 * which looks at the first byte only and then makes way: for {@link #TLS}, the SslHandler, when the
 * client starts with a TLS ClientHello (PostgreSQL 17's direct TLS), or for nothing. After an
 * SSLRequest answered 'S', {@link #TLS} is put first. The rest never knows whether TLS is in use.
 * The decoder and the handler are swapped as the connection moves through its phases:
 * <pre>
 *   phase            decoder                                 handler
 *   startup          {@link #STARTUP} StartupPacketDecoder   {@link #HANDSHAKE} StartupHandler
 *   authentication   {@link #FRAMES} (small frames only)     {@link #HANDSHAKE} AuthenticationHandler
 *   session          {@link #FRAMES} MessageFrameDecoder     {@link #SESSION} ClientSession
 * </pre>
 */
public final class ClientPipeline {

    public static final String DIRECT_TLS = "direct-tls";
    public static final String TLS = "tls";
    public static final String STARTUP = "startup";
    public static final String FRAMES = "frames";
    public static final String HANDSHAKE = "handshake";
    public static final String SESSION = "session";

    private ClientPipeline() {
    }
}
