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
import io.pgwarden.protocol.frontend.FrontendMessages;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pgwarden logging in to a scripted backend: a SCRAM login succeeds only once the server has proved
 * it knows the password, nothing counts as logged in before AuthenticationOk, and the key
 * derivation (PBKDF2) runs on the key cache's executor, never on the channel's event loop.
 *
 * <p>An EmbeddedChannel's event loop is the test's thread: a derivation runs on a thread of its own
 * ({@link Derivations}), and its result comes back as a task the test runs with
 * {@code runPendingTasks()}, as a real event loop would.
 */
class BackendLoginHandlerTest {

    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    private static final DatabaseConfig DATABASE =
            new DatabaseConfig("orders", "main", "orders_db", "owner", "owner-pw", PoolSettings.DEFAULTS);

    private final Derivations derivations = new Derivations();
    private final ScramKeyCache scramKeys = new ScramKeyCache(derivations);
    private final ScramVerifier verifier = ScramVerifier.fromPassword("owner-pw");

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final Promise<ServerConnection> promise = login(channel, scramKeys);
    private final ScramServerExchange server = new ScramServerExchange(verifier);

    /**
     * Runs each derivation on a new thread, held until {@link #await()}, and remembers the threads.
     * Held, so that a derivation can never finish before the handler has read the server's message
     * (it would then rightly answer at once, on the event loop, and the test would see no hand-over).
     */
    private static final class Derivations implements Executor {
        private final List<Thread> threads = new CopyOnWriteArrayList<>();
        private final java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);

        @Override
        public void execute(Runnable derivation) {
            Thread thread = new Thread(() -> {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                derivation.run();
            }, "test-derivation-" + threads.size());
            threads.add(thread);
            thread.start();
        }

        /** Lets the derivations run and waits for them, and for what they handed to the event loop. */
        void await() throws InterruptedException {
            gate.countDown();
            for (Thread thread : threads) {
                thread.join(10_000);
                assertFalse(thread.isAlive(), "derivation done");
            }
        }
    }

    private static Promise<ServerConnection> login(EmbeddedChannel channel, ScramKeyCache keys) {
        Promise<ServerConnection> promise = channel.eventLoop().newPromise();
        channel.pipeline().addLast(new BackendLoginHandler(DATABASE, DatabaseMeters.NONE, keys, promise));
        channel.pipeline().fireChannelActive();
        release(channel.readOutbound()); // the StartupMessage
        return promise;
    }

    @Test
    void aSchemaRoutedDatabaseLogsInWithItsSearchPathAsTheSessionDefault() {
        DatabaseConfig schema = new DatabaseConfig("payments", "main", "shop", "payments_owner", "pw", PoolSettings.DEFAULTS,
                "Payments-2", true);
        EmbeddedChannel other = new EmbeddedChannel();
        Promise<ServerConnection> result = other.eventLoop().newPromise();
        other.pipeline().addLast(new BackendLoginHandler(schema, DatabaseMeters.NONE, scramKeys, result));
        other.pipeline().fireChannelActive();
        ByteBuf startup = other.readOutbound();
        try {
            startup.skipBytes(8); // length, protocol version
            java.util.Map<String, String> parameters = new java.util.LinkedHashMap<>();
            while (startup.getByte(startup.readerIndex()) != 0) {
                parameters.put(cString(startup), cString(startup));
            }
            assertEquals(java.util.Map.of("user", "payments_owner", "database", "shop", "search_path", "\"Payments-2\", public"),
                    parameters);
        } finally {
            startup.release();
            other.finishAndReleaseAll();
        }
    }

    private static String cString(ByteBuf buf) {
        int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0);
        String value = buf.toString(buf.readerIndex(), end - buf.readerIndex(), java.nio.charset.StandardCharsets.UTF_8);
        buf.readerIndex(end + 1);
        return value;
    }

    /** Runs SCRAM up to the server's final message, which the caller sends or leaves out. */
    private byte[] scramUpToServerFinal() throws Exception {
        sendServerFirst(channel, server);
        derivations.await();
        channel.runPendingTasks(); // the event loop's turn: the SASLResponse
        return server.handleClientFinal(clientFinal(channel));
    }

    /** The backend's AuthenticationSASL, then its AuthenticationSASLContinue for the client's first message. */
    private static void sendServerFirst(EmbeddedChannel channel, ScramServerExchange server) throws Exception {
        channel.writeInbound(Authentication.sasl(ALLOC, ScramServerExchange.MECHANISM));
        ByteBuf initial = channel.readOutbound(); // SASLInitialResponse: mechanism, length, client-first
        initial.skipBytes(5);
        CStrings.read(initial);
        byte[] clientFirst = new byte[initial.readInt()];
        initial.readBytes(clientFirst);
        initial.release();
        channel.writeInbound(Authentication.saslContinue(ALLOC, server.handleClientFirst(clientFirst)));
    }

    private static byte[] clientFinal(EmbeddedChannel channel) {
        ByteBuf response = channel.readOutbound(); // SASLResponse: client-final
        assertNotNull(response, "the SASLResponse was sent");
        assertEquals(FrontendMessages.PASSWORD, response.readByte());
        response.skipBytes(4);
        byte[] clientFinal = new byte[response.readableBytes()];
        response.readBytes(clientFinal);
        response.release();
        return clientFinal;
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
    void theKeysAreDerivedOffTheEventLoopAndTheLoginGoesOnOnTheEventLoop() throws Exception {
        Thread eventLoop = Thread.currentThread(); // an EmbeddedChannel's event loop is the thread that drives it
        sendServerFirst(channel, server);
        derivations.await();

        assertEquals(1, derivations.threads.size(), "one derivation, on the cache's executor");
        assertNotSame(eventLoop, derivations.threads.get(0), "PBKDF2 did not run on the event loop");
        assertNull(channel.readOutbound(), "the derivation thread did not write to the channel itself");

        channel.runPendingTasks();
        backendSends(Authentication.saslFinal(ALLOC, server.handleClientFinal(clientFinal(channel))));
        backendSends(Authentication.ok(ALLOC));
        readyForQuery();
        assertTrue(promise.isSuccess(), String.valueOf(promise.cause()));
    }

    @Test
    void keysAlreadyDerivedForTheSaltAnswerAtOnce() throws Exception {
        scramUpToServerFinal(); // derives them

        EmbeddedChannel second = new EmbeddedChannel();
        Promise<ServerConnection> secondLogin = login(second, scramKeys);
        ScramServerExchange sameSalt = new ScramServerExchange(verifier);
        sendServerFirst(second, sameSalt);

        byte[] clientFinal = clientFinal(second); // no task to run: answered within the read
        second.writeInbound(Authentication.saslFinal(ALLOC, sameSalt.handleClientFinal(clientFinal)));
        second.writeInbound(Authentication.ok(ALLOC));
        second.writeInbound(new BackendKeyData(9, 10).encode(ALLOC));
        second.writeInbound(ReadyForQuery.encode(ALLOC, TransactionStatus.IDLE));
        assertTrue(secondLogin.isSuccess(), String.valueOf(secondLogin.cause()));
        assertEquals(1, derivations.threads.size(), "derived once for both logins");
        second.finishAndReleaseAll();
    }

    @Test
    void aDerivationTheExecutorRefusesFailsTheLoginAtOnce() throws Exception {
        EmbeddedChannel refused = new EmbeddedChannel();
        Promise<ServerConnection> login = login(refused, new ScramKeyCache(derivation -> {
            throw new RejectedExecutionException("queue full");
        }));
        sendServerFirst(refused, new ScramServerExchange(verifier));

        assertInstanceOf(BackendUnavailableException.class, login.cause());
        assertTrue(login.cause().getMessage().startsWith("could not derive the SCRAM keys to log in to the backend"),
                login.cause().getMessage());
        assertTrue(login.cause().getMessage().contains("queue full"), login.cause().getMessage());
        assertFalse(refused.isOpen());
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

    @Test
    void aReplicationLoginNamesTheReplicationUserAndCarriesReplicationDatabaseAndTheClientsOwnSettings() {
        DatabaseConfig withCdc = new DatabaseConfig("orders", "main", "orders_db", "owner", "owner-pw", PoolSettings.DEFAULTS,
                "", false, "orders_cdc", "cdc-pw");
        EmbeddedChannel replication = new EmbeddedChannel();
        Promise<ServerConnection> done = replication.eventLoop().newPromise();
        replication.pipeline().addLast(new BackendLoginHandler(withCdc,
                BackendLogin.logicalReplication(withCdc, java.util.Map.of("application_name", "debezium")),
                DatabaseMeters.NONE, scramKeys, done, "pgwarden/1/orders"));
        replication.pipeline().fireChannelActive();
        ByteBuf startup = replication.readOutbound();
        startup.skipBytes(8); // length, protocol version
        java.util.Map<String, String> sent = new java.util.LinkedHashMap<>();
        for (String name; !(name = CStrings.read(startup)).isEmpty(); ) {
            sent.put(name, CStrings.read(startup));
        }
        startup.release();
        assertEquals(java.util.Map.of("user", "orders_cdc", "database", "orders_db", "application_name", "debezium",
                "replication", "database"), sent, "the client's own application_name, not the replica's");

        byte[] salt = {1, 2, 3, 4};
        replication.writeInbound(Authentication.md5Password(ALLOC, salt));
        ByteBuf password = replication.readOutbound();
        password.skipBytes(5);
        assertEquals(io.pgwarden.auth.Md5Password.response("cdc-pw", "orders_cdc", salt), CStrings.read(password),
                "the replication user's password, not the owner's");
        password.release();
        replication.finishAndReleaseAll();
    }

    /*
     * The soak once had a login fail with "connection to the backend failed: null": an exception
     * without a message (a write to a connection that had just closed) became the client's text.
     */
    @Test
    void aFailureWithoutAMessageIsStillSaidInWords() {
        channel.pipeline().fireExceptionCaught(new java.nio.channels.ClosedChannelException());
        assertTrue(promise.isDone());
        String message = promise.cause().getMessage();
        assertFalse(message.contains("null"), message);
        assertTrue(message.contains("the connection closed"), message);
    }
}
