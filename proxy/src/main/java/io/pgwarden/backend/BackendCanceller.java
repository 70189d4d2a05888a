package io.pgwarden.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.resolver.AddressResolverGroup;
import io.pgwarden.Transport;
import io.pgwarden.config.BackendConfig;
import io.pgwarden.protocol.backend.BackendKeyData;
import io.pgwarden.protocol.frontend.CancelRequest;

import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a CancelRequest with a backend's own key, on a connection of its own, as PostgreSQL wants; or
 * forwards a client's to the other replicas of a fleet.
 */
public final class BackendCanceller {

    private static final Logger log = LoggerFactory.getLogger(BackendCanceller.class);
    /** Connecting, and PostgreSQL closing the connection after it: a server is held back until then. */
    private static final int TIMEOUT_MILLIS = 5000;

    private final Transport transport;
    private final EventLoopGroup loops;
    /** The backend's host is resolved on the event loop without blocking it: see {@link HostResolver}. */
    private final AddressResolverGroup<?> resolver;

    private final int timeoutMillis;
    /** One TLS context per backend, made at its first cancel. */
    private final java.util.Map<BackendConfig, BackendTls> contexts = new java.util.concurrent.ConcurrentHashMap<>();

    public BackendCanceller(Transport transport, EventLoopGroup loops, AddressResolverGroup<?> resolver) {
        this(transport, loops, resolver, TIMEOUT_MILLIS);
    }

    BackendCanceller(Transport transport, EventLoopGroup loops, AddressResolverGroup<?> resolver, int timeoutMillis) {
        this.transport = transport;
        this.loops = loops;
        this.resolver = resolver;
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * Sends the request; the future completes when PostgreSQL has closed the cancel connection (it got
     * it). With a {@code tls.mode} that asks for TLS the request goes over TLS, SSLRequest first, as
     * libpq 17 sends it: a backend that accepts only TLS connections accepts only TLS cancels.
     */
    public io.netty.util.concurrent.Future<Void> cancel(BackendConfig backend, BackendKeyData key) {
        BackendTls tls;
        try {
            tls = contexts.computeIfAbsent(backend, BackendTls::of);
        } catch (java.io.UncheckedIOException e) {
            log.warn("could not send a cancel request to backend \"{}\": {}", backend.name(), e.getMessage());
            return loops.next().<Void>newPromise().setSuccess(null);
        }
        return send("backend \"" + backend.name() + "\"", InetSocketAddress.createUnresolved(backend.host(), backend.port()),
                tls.mode().asksForTls() ? tls : null, new CancelRequest(key.processId(), key.secretKey()));
    }

    /**
     * Sends {@code request} on to another pgwarden replica, in the clear: pgwarden, as PostgreSQL, takes
     * a CancelRequest before any TLS. The future completes when the peer has closed the connection.
     */
    public io.netty.util.concurrent.Future<Void> forward(InetSocketAddress peer, CancelRequest request) {
        return send("fleet peer " + peer, peer, null, request);
    }

    /** One cancel connection: to {@code remote} (resolved by the resolver when unresolved), over {@code tls} unless null. */
    private io.netty.util.concurrent.Future<Void> send(String to, InetSocketAddress remote, BackendTls tls, CancelRequest request) {
        io.netty.util.concurrent.Promise<Void> done = loops.next().newPromise();
        new Bootstrap().group(loops).channel(transport.socketChannelClass()).resolver(resolver)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMillis)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast(TlsNegotiator.NAME, new TlsNegotiator(tls));
                        }
                        ch.pipeline().addLast(new CancelWriter(to, request));
                    }
                })
                .connect(remote)
                .addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        log.warn("could not send a cancel request to {}: {}", to, f.cause().getMessage());
                        done.trySuccess(null);
                        return;
                    }
                    f.channel().closeFuture().addListener(closed -> done.trySuccess(null));
                    // a backend that never closes must not hold the cancelled server back for ever
                    io.netty.util.concurrent.ScheduledFuture<?> timeout = f.channel().eventLoop().schedule(() -> {
                        log.warn("{} did not close a cancel connection within {} ms", to, timeoutMillis);
                        f.channel().close();
                    }, timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
                    f.channel().closeFuture().addListener(closed -> timeout.cancel(false));
                });
        return done;
    }

    /** Writes the CancelRequest once the channel is ready for it (after the TLS handshake, when there is one). */
    private static final class CancelWriter extends ChannelInboundHandlerAdapter {

        private final String to;
        private final CancelRequest request;

        CancelWriter(String to, CancelRequest request) {
            this.to = to;
            this.request = request;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ByteBuf out = ctx.alloc().buffer(CancelRequest.LENGTH);
            request.encode(out);
            ctx.writeAndFlush(out); // PostgreSQL closes the connection once it has the request
            ctx.read();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg); // PostgreSQL answers a cancel with nothing; whatever comes is dropped
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
            log.warn("could not send a cancel request to {}: {}", to, root.getMessage());
            ctx.close();
        }
    }
}
