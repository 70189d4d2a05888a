package io.pgwarden.admin;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes an HTTP connection that does not move on within {@code http.read_timeout}: from the open
 * (or from the last response written) to the next request complete, and from a request to its
 * response written. Unlike Netty's {@code ReadTimeoutHandler}, bytes arriving do not restart the
 * clock, so a request sent a byte at a time cannot hold the connection either.
 * Sits after the aggregator: whatever reaches it is a whole request.
 */
final class HttpRequestDeadline extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(HttpRequestDeadline.class);

    private final long timeoutNanos;
    private ScheduledFuture<?> timer;

    HttpRequestDeadline(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            restart(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        restart(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object request) {
        restart(ctx); // now the response has the same time to leave
        ctx.fireChannelRead(request);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ChannelPromise written = promise.unvoid();
        written.addListener(future -> {
            if (future.isSuccess()) {
                restart(ctx);
            }
        });
        ctx.write(msg, written);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    private void restart(ChannelHandlerContext ctx) {
        cancel();
        if (ctx.channel().isActive()) {
            timer = ctx.executor().schedule(() -> expire(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void expire(ChannelHandlerContext ctx) {
        log.debug("HTTP connection {}: no whole request or response within {} ms, closing",
                ctx.channel().remoteAddress(), TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        ctx.close();
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
