package io.pgwarden.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.resolver.AddressResolverGroup;
import io.pgwarden.Transport;
import io.pgwarden.config.BackendConfig;
import io.pgwarden.protocol.backend.BackendKeyData;
import io.pgwarden.protocol.frontend.CancelRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sends a CancelRequest with a backend's own key, on a connection of its own, as PostgreSQL wants. */
public final class BackendCanceller {

    private static final Logger log = LoggerFactory.getLogger(BackendCanceller.class);
    /** Connecting, and PostgreSQL closing the connection after it: a server is held back until then. */
    private static final int TIMEOUT_MILLIS = 5000;

    private final Transport transport;
    private final EventLoopGroup loops;
    /** The backend's host is resolved on the event loop without blocking it: see {@link HostResolver}. */
    private final AddressResolverGroup<?> resolver;

    private final int timeoutMillis;

    public BackendCanceller(Transport transport, EventLoopGroup loops, AddressResolverGroup<?> resolver) {
        this(transport, loops, resolver, TIMEOUT_MILLIS);
    }

    BackendCanceller(Transport transport, EventLoopGroup loops, AddressResolverGroup<?> resolver, int timeoutMillis) {
        this.transport = transport;
        this.loops = loops;
        this.resolver = resolver;
        this.timeoutMillis = timeoutMillis;
    }

    /** Sends the request; the future completes when PostgreSQL has closed the cancel connection (it got it). */
    public io.netty.util.concurrent.Future<Void> cancel(BackendConfig backend, BackendKeyData key) {
        io.netty.util.concurrent.Promise<Void> done = loops.next().newPromise();
        new Bootstrap().group(loops).channel(transport.socketChannelClass()).resolver(resolver)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMillis)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(backend.host(), backend.port())
                .addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        log.warn("could not send a cancel request to backend \"{}\": {}", backend.name(), f.cause().getMessage());
                        done.trySuccess(null);
                        return;
                    }
                    f.channel().closeFuture().addListener(closed -> done.trySuccess(null));
                    // a backend that never closes must not hold the cancelled server back for ever
                    io.netty.util.concurrent.ScheduledFuture<?> timeout = f.channel().eventLoop().schedule(() -> {
                        log.warn("backend \"{}\" did not close a cancel connection within {} ms", backend.name(), timeoutMillis);
                        f.channel().close();
                    }, timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
                    f.channel().closeFuture().addListener(closed -> timeout.cancel(false));
                    ByteBuf out = f.channel().alloc().buffer(CancelRequest.LENGTH);
                    new CancelRequest(key.processId(), key.secretKey()).encode(out);
                    // PostgreSQL closes the connection once it has the request
                    f.channel().writeAndFlush(out);
                });
        return done;
    }
}
