package io.pgwarden.frontend;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.pgwarden.protocol.SqlState;
import io.pgwarden.protocol.backend.ErrorResponse;

/** Ending a client connection the way PostgreSQL does: a FATAL ErrorResponse, then close. */
final class ClientErrors {

    private ClientErrors() {
    }

    static void fatal(Channel channel, ErrorResponse error) {
        channel.writeAndFlush(error.withSeverity("FATAL").encode(channel.alloc()))
                .addListener(ChannelFutureListener.CLOSE);
    }

    static void fatal(Channel channel, String sqlState, String message) {
        fatal(channel, ErrorResponse.fatal(sqlState, message));
    }

    static void protocolViolation(Channel channel, String message) {
        fatal(channel, SqlState.PROTOCOL_VIOLATION, message);
    }
}
