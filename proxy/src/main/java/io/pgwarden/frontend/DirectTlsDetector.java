package io.pgwarden.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.pgwarden.tls.ClientTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL 17's direct TLS ({@code sslnegotiation=direct}): a client may start with a TLS
 * ClientHello instead of an SSLRequest. Its first byte, 0x16 (a TLS handshake record), can begin
 * no startup packet (the length would be over 369 MB), so one byte decides: TLS goes first in the
 * pipeline and gets the bytes; anything else goes on to the startup decoder. Either way this
 * handler leaves after the first read.
 */
final class DirectTlsDetector extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(DirectTlsDetector.class);
    private static final int TLS_HANDSHAKE_RECORD = 0x16;

    private final ClientTls tls;

    DirectTlsDetector(ClientTls tls) {
        this.tls = tls;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes) || !bytes.isReadable() || bytes.getUnsignedByte(bytes.readerIndex()) != TLS_HANDSHAKE_RECORD) {
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(msg);
            return;
        }
        if (!tls.enabled()) {
            // as PostgreSQL without ssl: no answer the client could read, just the end
            log.info("client {} started a direct TLS connection, but listen.tls is not enabled", ctx.channel().remoteAddress());
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        ClientTlsHandshake.begin(ctx.channel(), tls, true);
        ctx.pipeline().remove(this);
        ctx.pipeline().fireChannelRead(msg); // from the head: into the SslHandler just put there
    }
}
