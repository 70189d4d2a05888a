package io.pgwarden.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.pgwarden.Transport;
import io.pgwarden.config.HttpConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server of {@link HttpRoutes}, in the proxy's process but on its own single event loop:
 * rendering a scrape takes milliseconds, which must not land on a loop that forwards client bytes.
 * Pipeline: {@code http} (HttpServerCodec), {@code aggregate} (requests up to 64 KiB),
 * {@code deadline} ({@link HttpRequestDeadline}, {@code http.read_timeout}), {@code routes}.
 * At most {@code http.max_connections} are open; past it a new connection is closed at once,
 * before it costs a pipeline.
 */
public final class HttpEndpoint implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HttpEndpoint.class);
    private static final int MAX_REQUEST_BYTES = 64 * 1024;

    private final EventLoopGroup group;
    private final Channel channel;

    private HttpEndpoint(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /** Binds {@code http.host:http.port} and returns once it accepts connections. */
    public static HttpEndpoint start(HttpConfig http, HttpRoutes routes) throws InterruptedException {
        Transport transport = Transport.best();
        EventLoopGroup group = transport.newGroup(1);
        HttpConnectionCap cap = new HttpConnectionCap(http.maxConnections());
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannelClass())
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            assert ch.eventLoop().inEventLoop() : "the cap's books belong to the endpoint's one loop";
                            if (!admitted(cap)) {
                                ch.close();
                                return;
                            }
                            ch.closeFuture().addListener(closed -> cap.closed());
                            addHandlers(ch, http.readTimeout(), routes);
                        }
                    })
                    .bind(http.host(), http.port())
                    .sync()
                    .channel();
            HttpEndpoint endpoint = new HttpEndpoint(group, channel);
            log.info("HTTP endpoint on http://{}:{}/ (metrics, health/live, health/ready, pools)", http.host(), endpoint.port());
            return endpoint;
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** The pipeline of one admitted connection (also what the fuzz test drives, on an embedded channel). */
    static void addHandlers(Channel ch, Duration readTimeout, HttpRoutes routes) {
        ch.pipeline()
                .addLast("http", new HttpServerCodec())
                .addLast("aggregate", new HttpObjectAggregator(MAX_REQUEST_BYTES))
                .addLast("deadline", new HttpRequestDeadline(readTimeout))
                .addLast("routes", new RequestHandler(routes));
    }

    private static boolean admitted(HttpConnectionCap cap) {
        return switch (cap.admit()) {
            case ADMITTED -> true;
            case REFUSED_FIRST -> {
                log.warn("HTTP endpoint: {} connections open (http.max_connections); closing new ones until one closes",
                        cap.max());
                yield false;
            }
            case REFUSED -> false;
        };
    }

    /** The port actually bound (the config may say 0). */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final HttpRoutes routes;

        RequestHandler(HttpRoutes routes) {
            this.routes = routes;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            if (request.decoderResult().isFailure()) {
                // the codec gave up on the bytes (a bad request line or headers) and reads no more of them
                log.debug("HTTP endpoint: bad request from {}: {}", ctx.channel().remoteAddress(), request.decoderResult().cause().toString());
                ctx.writeAndFlush(HttpRoutes.badRequest(ctx.alloc())).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            FullHttpResponse response;
            try {
                response = routes.respond(request, ctx.alloc());
            } catch (RuntimeException e) {
                log.warn("HTTP endpoint failed to answer {} {}", request.method(), request.uri(), e);
                response = HttpRoutes.internalError(ctx.alloc(), e);
            }
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            if (keepAlive) {
                ctx.writeAndFlush(response);
            } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("HTTP endpoint connection failed: {}", cause.toString());
            ctx.close();
        }
    }
}
