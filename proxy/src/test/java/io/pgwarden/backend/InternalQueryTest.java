package io.pgwarden.backend;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.pgwarden.protocol.backend.ErrorResponse;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** pgwarden's own statements on a server: answered, refused, or the server gone. */
class InternalQueryTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final ServerConnection server = ServerConnections.on(channel);

    @Test
    void completesWhenEveryStatementIsAnswered() {
        Future<Optional<ErrorResponse>> result = InternalQuery.run(server, List.of("SET a = 1", "SET b = 2"));
        release(channel.readOutbound());
        release(channel.readOutbound());
        channel.writeInbound(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("5a0000000549")));
        assertTrue(!result.isDone(), "one of two answered");
        channel.writeInbound(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("5a0000000549")));
        assertTrue(result.isSuccess());
        assertEquals(Optional.empty(), result.getNow());
    }

    /** A server that closed between its login and the hand-off: the client must be told, not left waiting. */
    @Test
    void onAServerThatHasAlreadyClosedItFailsAtOnce() {
        channel.close();
        Future<Optional<ErrorResponse>> result = InternalQuery.run(server, List.of("SET application_name = 'x'"));
        channel.runPendingTasks();
        assertTrue(result.isDone(), "nobody will ever answer on a closed connection");
        assertInstanceOf(BackendUnavailableException.class, result.cause());
    }

    /** PostgreSQL still skipping to a Sync (or frozen) never answers: the server is closed, the caller told. */
    @Test
    void aServerSilentPastTheTimeoutIsClosedAndTheCallerTold() {
        channel.freezeTime(); // only advanceTimeBy moves the clock: a slow machine cannot fire it early
        Future<Optional<ErrorResponse>> result = InternalQuery.run(server, List.of("ROLLBACK"));
        release(channel.readOutbound());
        channel.advanceTimeBy(InternalQuery.TIMEOUT.toMillis() - 1, java.util.concurrent.TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(!result.isDone() && channel.isActive(), "still within the timeout");
        channel.advanceTimeBy(2, java.util.concurrent.TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();
        assertTrue(!channel.isActive(), "closed");
        assertTrue(result.isDone());
        assertInstanceOf(BackendUnavailableException.class, result.cause());
    }

    private static void release(Object message) {
        ReferenceCountUtil.release(message);
    }
}
