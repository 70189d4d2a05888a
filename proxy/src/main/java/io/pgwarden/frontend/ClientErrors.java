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

    /** A message declared longer than limits.max_message_size: refused from its length, before any of it is held. */
    static void messageTooLong(Channel channel, int limit) {
        fatal(channel, SqlState.PROGRAM_LIMIT_EXCEEDED, "message too long: pgwarden accepts messages of at most "
                + limit + " bytes (limits.max_message_size)");
    }
}
