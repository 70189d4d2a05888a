package io.pgwarden.frontend;

import io.pgwarden.RawPgClient;
import io.pgwarden.RawPgClient.Message;
import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
            assertFatal(client, "08P01", "expected password response");
        }
    }

    @Test
    void replicationConnectionsAreRefusedClearly() throws IOException {
        try (RawPgClient client = client()) {
            client.send(RawPgClient.startupPacket(3 << 16, "user", "md5-service", "database", "orders", "replication", "database"));
            assertFatal(client, "0A000", "replication connections are not supported");
        }
    }

    @Test
    void afterAllOfThisTheProxyStillServes() throws SQLException {
        try (Connection c = platform.connect("md5-service", "md5-pw", "orders", new Properties())) {
            assertTrue(c.isValid(5));
        }
    }
}
