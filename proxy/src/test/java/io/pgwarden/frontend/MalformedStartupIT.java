package io.pgwarden.frontend;

import io.pgwarden.RawPgClient;
import io.pgwarden.RawPgClient.Message;
import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.Test;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bytes that are not a proper startup get a clear ErrorResponse and a close, and touch no backend. */
@WithPlatform
class MalformedStartupIT {

    private static TestPlatform platform;

    private static RawPgClient client() throws IOException {
        return new RawPgClient(platform.pgwarden().port());
    }

    /** The FATAL error, the close, and no backend connection opened for any of it. */
    private static void assertFatal(RawPgClient client, String sqlState, String messagePart) throws IOException {
        int backendsBefore = backendConnections();
        Message error = client.read();
        assertEquals('E', error.type());
        assertEquals("FATAL", error.fields().get('S'));
        assertEquals(sqlState, error.fields().get('C'), error.fields().toString());
        assertTrue(error.fields().get('M').contains(messagePart), error.fields().get('M'));
        assertTrue(client.closedByServer(), "closed after the error");
        assertEquals(backendsBefore, backendConnections(), "no backend connection was opened for it");
    }

    private static int backendConnections() {
        try {
            return platform.backendConnections("orders_db");
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aStartupPacketOver10000BytesIsRefused() throws IOException {
        try (RawPgClient client = client()) {
            client.send(new byte[] {0, 0, 0x30, 0x00, 0, 3, 0, 0}); // claims 12288 bytes
            assertFatal(client, "08P01", "invalid length of startup packet");
        }
    }

    @Test
    void aStartupPacketTooShortIsRefused() throws IOException {
        try (RawPgClient client = client()) {
            client.send(new byte[] {0, 0, 0, 4, 0, 3, 0, 0});
            assertFatal(client, "08P01", "invalid length of startup packet");
        }
    }

    @Test
    void garbageIsRefused() throws IOException {
        try (RawPgClient client = client()) {
            client.send("GET / HTTP/1.1\r\nHost: pgwarden\r\n\r\n".getBytes());
            assertFatal(client, "08P01", "invalid length of startup packet");
        }
    }

    private static final byte[] TERMINATE = {'X', 0, 0, 0, 4};

    /** The first byte the server sends back (-1: it closed without a word). */
    private static int answerTo(int port, byte[] bytes, boolean thenHalfClose) throws IOException {
        try (RawPgClient client = new RawPgClient(port)) {
            client.send(bytes);
            if (thenHalfClose) {
                client.socket().shutdownOutput();
            }
            return client.readByte();
        }
    }

    /**
     * node-postgres's connect() then end() at once: a Terminate where the startup packet belongs.
     * PostgreSQL reads it as a startup packet of an invalid length and closes without a word (the
     * complaint goes to its own log, COMMERROR): so does pgwarden.
     */
    @Test
    void aTerminateBeforeTheStartupIsClosedSilentlyAsPostgresDoes() throws IOException {
        for (boolean halfClose : new boolean[] {false, true}) {
            assertEquals(-1, answerTo(platform.postgres().port(), TERMINATE, halfClose), "PostgreSQL says nothing");
            int backendsBefore = backendConnections();
            assertEquals(-1, answerTo(platform.pgwarden().port(), TERMINATE, halfClose), "pgwarden says nothing either");
            assertEquals(backendsBefore, backendConnections());
        }
    }

    @Test
    void aStartupParameterWithoutValueIsRefused() throws IOException {
        try (RawPgClient client = client()) {
            client.send(new byte[] {0, 0, 0, 13, 0, 3, 0, 0, 'u', 's', 'e', 'r', 0});
            assertFatal(client, "08P01", "startup parameter \"user\" has no value");
        }
    }

    @Test
    void sslAndGssEncryptionRequestsAreAnsweredNo() throws IOException {
        try (RawPgClient client = client()) {
            client.send(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x30}); // GSSENCRequest
            assertEquals('N', client.readByte());
            client.send(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f}); // SSLRequest
            assertEquals('N', client.readByte());
            client.loginMd5("md5-service", "md5-pw", "orders"); // and the startup goes on in the clear
        }
    }

    private static final byte[] SSL_REQUEST = {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f};
    private static final byte[] GSSENC_REQUEST = {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x30};

    /**
     * Sends {@code negotiation} (each answered 'N') and then {@code last} to PostgreSQL itself
     * and to pgwarden: both must answer the same bytes, end with the same FATAL and close.
     */
    private static void assertAnsweredAsPostgresDoes(byte[][] negotiation, byte[] last) throws IOException {
        Map<Character, String> postgres = fatalAfter(platform.postgres().port(), negotiation, last);
        Map<Character, String> pgwarden = fatalAfter(platform.pgwarden().port(), negotiation, last);
        for (char field : new char[] {'S', 'C', 'M', 'D'}) {
            assertEquals(postgres.get(field), pgwarden.get(field), "field " + field + " of " + pgwarden + " vs PostgreSQL's " + postgres);
        }
    }

    private static Map<Character, String> fatalAfter(int port, byte[][] negotiation, byte[] last) throws IOException {
        try (RawPgClient client = new RawPgClient(port)) {
            for (byte[] request : negotiation) {
                client.send(request);
                assertEquals('N', client.readByte(), "encryption refused");
            }
            client.send(last);
            int type = client.readByte();
            while (type == 'N') { // requests in last are answered too
                type = client.readByte();
            }
            assertEquals('E', type);
            java.io.DataInputStream in = new java.io.DataInputStream(client.socket().getInputStream());
            byte[] body = new byte[in.readInt() - 4];
            in.readFully(body);
            assertTrue(client.closedByServer(), "closed after the error");
            return new Message('E', body).fields();
        }
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = java.util.Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    @Test
    void aStartupSentWithItsSslRequestIsRefusedAtOnceAsPostgresDoes() throws IOException {
        byte[] startup = RawPgClient.startupPacket(3 << 16, "user", "md5-service", "database", "orders");
        try (RawPgClient client = client()) {
            client.send(concat(SSL_REQUEST, startup)); // the client did not wait for the answer to its SSLRequest
            assertEquals('N', client.readByte());
            assertFatal(client, "08P01", "received unencrypted data after SSL request");
        }
        assertAnsweredAsPostgresDoes(new byte[0][], concat(SSL_REQUEST, startup));
        assertAnsweredAsPostgresDoes(new byte[0][], concat(GSSENC_REQUEST, startup));
    }

    @Test
    void aSecondRequestForTheSameEncryptionIsRefusedAsPostgresDoes() throws IOException {
        try (RawPgClient client = client()) {
            client.send(SSL_REQUEST);
            assertEquals('N', client.readByte());
            client.send(SSL_REQUEST);
            assertFatal(client, "0A000", "unsupported frontend protocol 1234.5679");
        }
        assertAnsweredAsPostgresDoes(new byte[][] {SSL_REQUEST}, SSL_REQUEST);
        assertAnsweredAsPostgresDoes(new byte[][] {GSSENC_REQUEST}, GSSENC_REQUEST);
        assertAnsweredAsPostgresDoes(new byte[][] {SSL_REQUEST, GSSENC_REQUEST}, GSSENC_REQUEST);
    }

    /** The client's garbage costs a line at most: nothing at ERROR, no stack trace, from anything pgwarden logs. */
    private void assertNoErrorLogged(ThrowingRunnable clients) throws Exception {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger pgwardenLogger = (Logger) LoggerFactory.getLogger("io.pgwarden");
        pgwardenLogger.addAppender(log);
        try {
            clients.run();
            afterAllOfThisTheProxyStillServes(); // by then the closes have been handled
        } finally {
            pgwardenLogger.detachAppender(log);
        }
        List<ILoggingEvent> errors = log.list.stream()
                .filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR) || e.getThrowableProxy() != null).toList();
        assertFalse(!errors.isEmpty(), () -> "logged: " + errors.get(0).getFormattedMessage() + " "
                + (errors.get(0).getThrowableProxy() == null ? "" : errors.get(0).getThrowableProxy().getClassName()
                + ": " + errors.get(0).getThrowableProxy().getMessage()));
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static byte[] saslInitial(String mechanism, String data) {
        byte[] bytes = data.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.writeBytes(RawPgClient.cString(mechanism));
        body.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(bytes.length).array());
        body.writeBytes(bytes);
        return RawPgClient.typed('p', body.toByteArray());
    }

    @Test
    void garbageInTheScramExchangeIsRefusedWithoutAStackTrace() throws Exception {
        String[] clientFirsts = {"garbage", "n,,n=,r=", "p=tls-server-end-point,,n=x,r=a"};
        String[] clientFinals = {"garbage", "c=biws,r=WRONG,p=AAAA", "c=biws,r=%s,p=!!!not base64!!!", "c=!!!,r=%s,p=AAAA",
                "c=biws,r=%s", "c=biws,r=%s,p="};
        assertNoErrorLogged(() -> {
            for (String first : clientFirsts) {
                try (RawPgClient client = client()) {
                    client.send(RawPgClient.startupPacket(3 << 16, "user", "orders-service", "database", "orders"));
                    assertEquals('R', client.read().type());
                    client.send(saslInitial("SCRAM-SHA-256", first));
                    Message answer = client.read();
                    assertEquals('E', answer.type(), first);
                    assertTrue(List.of("08P01", "28P01").contains(answer.fields().get('C')), first + ": " + answer.fields());
                    assertTrue(client.closedByServer(), "closed after the error");
                }
            }
            for (String last : clientFinals) {
                try (RawPgClient client = client()) {
                    client.send(RawPgClient.startupPacket(3 << 16, "user", "orders-service", "database", "orders"));
                    assertEquals('R', client.read().type());
                    client.send(saslInitial("SCRAM-SHA-256", "n,,n=,r=clientnonce"));
                    Message serverFirst = client.read();
                    assertEquals('R', serverFirst.type(), serverFirst.fields().toString());
                    String text = new String(serverFirst.body(), 4, serverFirst.body().length - 4, java.nio.charset.StandardCharsets.UTF_8);
                    String nonce = text.substring(2, text.indexOf(','));
                    client.send(RawPgClient.typed('p', String.format(last, nonce).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                    Message answer = client.read();
                    assertEquals('E', answer.type(), last);
                    assertTrue(List.of("08P01", "28P01").contains(answer.fields().get('C')), last + ": " + answer.fields());
                    assertTrue(client.closedByServer(), "closed after the error");
                }
            }
        });
    }

    @Test
    void packetsBufferedAfterAStartupLogNoStackTrace() throws Exception {
        assertNoErrorLogged(() -> {
            byte[] startup = RawPgClient.startupPacket(3 << 16, "user", "md5-service", "database", "orders");
            for (byte[] extra : new byte[][] {SSL_REQUEST, GSSENC_REQUEST, startup}) {
                try (RawPgClient client = client()) {
                    // the startup and what follows it wait in pgwarden's buffer behind the SSLRequest
                    client.send(concat(SSL_REQUEST, concat(startup, extra)));
                    assertEquals('N', client.readByte());
                    client.socket().shutdownOutput(); // at the close pgwarden decodes what it still holds
                    assertTrue(client.closedByServer(), "closed");
                }
            }
        });
    }

    @Test
    void protocolVersion2IsRefusedAsPostgresDoes() throws IOException {
        try (RawPgClient client = client()) {
            client.send(RawPgClient.startupPacket(2 << 16, "user", "md5-service"));
            assertFatal(client, "0A000", "unsupported frontend protocol 2.0");
        }
    }

    @Test
    void aNewerMinorVersionIsNegotiatedDown() throws IOException {
        try (RawPgClient client = client()) {
            client.send(RawPgClient.startupPacket((3 << 16) | 2, "user", "md5-service", "database", "orders",
                    "_pq_.future_option", "on"));
            Message negotiate = client.read();
            assertEquals('v', negotiate.type());
            assertEquals(3 << 16, negotiate.intAt(0), "newest version supported: 3.0");
            assertEquals(1, negotiate.intAt(4), "one option not recognised");
            assertEquals('R', client.read().type(), "then authentication goes on");
        }
    }

    @Test
    void aStartupWithoutUserIsRefused() throws IOException {
        try (RawPgClient client = client()) {
            client.send(RawPgClient.startupPacket(3 << 16, "database", "orders"));
            assertFatal(client, "28000", "no PostgreSQL user name specified in startup packet");
        }
    }

    @Test
    void aPasswordMessageLargerThanPostgresAllowsIsRefused() throws IOException {
        try (RawPgClient client = client()) {
            client.send(RawPgClient.startupPacket(3 << 16, "user", "md5-service", "database", "orders"));
            assertEquals('R', client.read().type());
            client.send(new byte[] {'p', 0x10, 0, 0, 0}); // 256 MiB announced
            assertFatal(client, "08P01", "message too long");
        }
    }

    @Test
    void aQueryBeforeAuthenticationIsRefused() throws IOException {
        try (RawPgClient client = client()) {
            client.send(RawPgClient.startupPacket(3 << 16, "user", "md5-service", "database", "orders"));
            assertEquals('R', client.read().type());
            client.query("SELECT 1");
            assertFatal(client, "08P01", "expected password response, got message type 81"); // PostgreSQL's words
        }
    }

    @Test
    void physicalReplicationConnectionsAreRefusedClearlyBeforeAuthentication() throws IOException {
        try (RawPgClient client = client()) {
            client.send(RawPgClient.startupPacket(3 << 16, "user", "md5-service", "database", "orders", "replication", "on"));
            assertFatal(client, "0A000", "physical replication connections are not supported by pgwarden");
        }
    }

    @Test
    void aReplicationValuePostgresWouldNotTakeIsRefusedInItsWords() throws IOException {
        try (RawPgClient client = client()) {
            client.send(RawPgClient.startupPacket(3 << 16, "user", "md5-service", "database", "orders", "replication", "logical"));
            assertFatal(client, "22023", "invalid value for parameter \"replication\": \"logical\"");
        }
    }

    @Test
    void afterAllOfThisTheProxyStillServes() throws SQLException {
        try (Connection c = platform.connect("md5-service", "md5-pw", "orders", new Properties())) {
            assertTrue(c.isValid(5));
        }
    }
}
