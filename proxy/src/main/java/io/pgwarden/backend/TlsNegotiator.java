package io.pgwarden.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.pgwarden.protocol.frontend.SslRequest;

/**
 * The first step on a connection to PostgreSQL when TLS is wanted: SSLRequest, PostgreSQL's one-byte
 * answer, and on 'S' the TLS handshake through an {@link io.netty.handler.ssl.SslHandler} put in
 * front of this handler. Only then is {@code channelActive} passed on, so the handler behind it
 * (the login, or a cancel request) starts on the channel it is meant for. It removes itself once done.
 *
 * <pre>
 * AWAITING_ANSWER --'S'--> HANDSHAKING --handshake done--> (removed; channelActive passed on)
 *                 --'N'--> (removed; in the clear) when the mode allows it, else failed
 * </pre>
 *
 * Failures are passed on as a {@link BackendTlsException}. Owned by the channel's event loop.
 */
final class TlsNegotiator extends ChannelInboundHandlerAdapter {

    static final String NAME = "tls-request";
    static final String SSL = "ssl";

    private enum State { AWAITING_ANSWER, HANDSHAKING, FAILED }

    private final BackendTls tls;
    private State state = State.AWAITING_ANSWER;

    TlsNegotiator(BackendTls tls) {
        this.tls = tls;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ByteBuf request = ctx.alloc().buffer(8).writeInt(8).writeInt(SslRequest.CODE);
        ctx.writeAndFlush(request);
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state != State.AWAITING_ANSWER) {
            ctx.fireChannelRead(msg); // decrypted bytes during the handshake: none are expected, the next handler judges
            return;
        }
        ByteBuf in = (ByteBuf) msg;
        try {
            if (!in.isReadable()) {
                return;
            }
            byte answer = in.readByte();
            if (in.isReadable()) {
                // CVE-2021-23222: bytes after the answer were not encrypted, yet would be read as if they were
                fail(ctx, "backend \"" + tls.backendName() + "\" sent unencrypted data after its answer to the SSLRequest");
            } else if (answer == 'S') {
                state = State.HANDSHAKING;
                ctx.pipeline().addBefore(ctx.name(), SSL, tls.newHandler(ctx.alloc())); // starts the handshake
            } else if (answer == 'N' && !tls.mode().requiresTls()) {
                passOn(ctx);
            } else if (answer == 'N') {
                fail(ctx, "backend \"" + tls.backendName() + "\" does not accept TLS (it answered the SSLRequest with N) and its "
                        + "tls.mode is " + tls.mode().yamlName());
            } else {
                fail(ctx, "backend \"" + tls.backendName() + "\" answered the SSLRequest with byte " + (answer & 0xff)
                        + ": is it PostgreSQL?");
            }
        } finally {
            ReferenceCountUtil.release(in);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (state == State.AWAITING_ANSWER) {
            ctx.read();
        } else {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof SslHandshakeCompletionEvent done && state == State.HANDSHAKING) {
            if (done.isSuccess()) {
                passOn(ctx);
            } else {
                fail(ctx, "TLS handshake with backend \"" + tls.backendName() + "\" failed: " + done.cause().getMessage());
            }
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (state == State.FAILED) {
            return; // already reported: the SslHandler's own exception that follows its failed handshake event
        }
        ctx.fireExceptionCaught(cause);
    }

    private void passOn(ChannelHandlerContext ctx) {
        ctx.pipeline().remove(this);
        ctx.fireChannelActive();
    }

    private void fail(ChannelHandlerContext ctx, String reason) {
        state = State.FAILED;
        ctx.fireExceptionCaught(new BackendTlsException(reason));
    }
}
