package io.pgwarden.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Promise;
import io.pgwarden.auth.ScramKeyCache;
import io.pgwarden.auth.ScramServerExchange;
import io.pgwarden.auth.ScramVerifier;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.PoolSettings;
import io.pgwarden.metrics.DatabaseMeters;
import io.pgwarden.protocol.CStrings;
import io.pgwarden.protocol.TransactionStatus;
import io.pgwarden.protocol.backend.Authentication;
import io.pgwarden.protocol.backend.BackendKeyData;
import io.pgwarden.protocol.backend.ReadyForQuery;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pgwarden logging in to a scripted backend: a SCRAM login succeeds only once the server has proved
 * it knows the password, and nothing counts as logged in before AuthenticationOk.
 */
class BackendLoginHandlerTest {

    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final Promise<ServerConnection> promise = channel.eventLoop().newPromise();
    private final ScramServerExchange server = new ScramServerExchange(ScramVerifier.fromPassword("owner-pw"));

    BackendLoginHandlerTest() {
        channel.pipeline().addLast(new BackendLoginHandler(
                new DatabaseConfig("orders", "main", "orders_db", "owner", "owner-pw", PoolSettings.DEFAULTS),
                DatabaseMeters.NONE, new ScramKeyCache(), promise));
        channel.pipeline().fireChannelActive();
        release(channel.readOutbound()); // the StartupMessage
    }

    /** Runs SCRAM up to the server's final message, which the caller sends or leaves out. */
    private byte[] scramUpToServerFinal() throws Exception {
        backendSends(Authentication.sasl(ALLOC, ScramServerExchange.MECHANISM));
        ByteBuf initial = channel.readOutbound(); // SASLInitialResponse: mechanism, length, client-first
        initial.skipBytes(5);
        CStrings.read(initial);
        byte[] clientFirst = new byte[initial.readInt()];
        initial.readBytes(clientFirst);
        initial.release();
        backendSends(Authentication.saslContinue(ALLOC, server.handleClientFirst(clientFirst)));
        ByteBuf response = channel.readOutbound(); // SASLResponse: client-final
        response.skipBytes(5);
        byte[] clientFinal = new byte[response.readableBytes()];
        response.readBytes(clientFinal);
        response.release();
        return server.handleClientFinal(clientFinal);
    }

    private void backendSends(ByteBuf message) {
        channel.writeInbound(message);
    }

    private void readyForQuery() {
        backendSends(new BackendKeyData(7, 8).encode(ALLOC));
        backendSends(ReadyForQuery.encode(ALLOC, TransactionStatus.IDLE));
    }

    private static void release(Object message) {
        if (message instanceof ByteBuf buf) {
            buf.release();
        }
    }

    @Test
    void aScramLoginSucceedsOnceTheServerHasProvedItKnowsThePassword() throws Exception {
        backendSends(Authentication.saslFinal(ALLOC, scramUpToServerFinal()));
        backendSends(Authentication.ok(ALLOC));
        readyForQuery();

        assertTrue(promise.isSuccess(), String.valueOf(promise.cause()));
        assertEquals(7, promise.getNow().backendKey().processId());
    }

    @Test
    void aServerThatSkipsItsProofIsRefused() throws Exception {
        scramUpToServerFinal(); // it never sends SASLFinal: it could be anyone that accepts any proof
        backendSends(Authentication.ok(ALLOC));

        assertFalse(promise.isSuccess());
        assertInstanceOf(BackendLoginException.class, promise.cause());
        assertTrue(promise.cause().getMessage().contains("without proving its identity"), promise.cause().getMessage());
        assertFalse(channel.isOpen());
    }

    @Test
    void readyForQueryBeforeAuthenticationOkIsRefused() {
        readyForQuery();

        assertFalse(promise.isSuccess());
        assertTrue(promise.cause().getMessage().contains("before AuthenticationOk"), promise.cause().getMessage());
    }
}
