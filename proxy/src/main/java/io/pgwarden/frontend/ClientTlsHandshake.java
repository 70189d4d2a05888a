package io.pgwarden.frontend;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.pgwarden.tls.ClientTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the server side of a client's TLS handshake: the SslHandler goes first in the pipeline,
 * and a direct TLS connection is held to PostgreSQL 17's rule that it must have negotiated the
 * ALPN protocol {@code postgresql} (a client that offered ALPN without it has already been refused
 * by the handshake itself). A failed handshake is reported by the SslHandler as an SSLException,
 * which {@link StartupHandler#failConnection} logs in one line.
 */
final class ClientTlsHandshake {

    private static final Logger log = LoggerFactory.getLogger(ClientTlsHandshake.class);

    private ClientTlsHandshake() {
    }

    /** @param direct the client began with a ClientHello, not an SSLRequest */
    static void begin(Channel channel, ClientTls tls, boolean direct) {
        SslHandler handler = tls.newHandler(channel.alloc());
        channel.pipeline().addFirst(ClientPipeline.TLS, handler);
        if (direct) {
            handler.handshakeFuture().addListener(done -> {
                if (done.isSuccess() && !ClientTls.ALPN_PROTOCOL.equals(handler.applicationProtocol())) {
                    // PostgreSQL logs this and closes without a word: the client may not speak its protocol at all
                    log.info("client {}: received direct SSL connection request without ALPN protocol negotiation extension",
                            channel.remoteAddress());
                    channel.close();
                }
            });
        }
    }
}
