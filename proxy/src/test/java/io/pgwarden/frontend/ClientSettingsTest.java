package io.pgwarden.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.channel.embedded.EmbeddedChannel;
import io.pgwarden.backend.ServerConnections;
import io.pgwarden.backend.ServerSessionState;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a transaction-mode server must run before a client's transaction, decided without a socket. */
class ClientSettingsTest {

    /** PostgreSQL 17 reports TimeZone and the like, never search_path. */
    private static final Map<String, String> PG17_REPORTED = Map.of("TimeZone", "UTC");

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final ServerSessionState server = ServerConnections.on(channel).sessionState();

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void aSettingTheServerDoesNotReportIsAppliedOnceForClientsThatWantTheSame() {
        ClientSettings first = new ClientSettings(Map.of("search_path", "orders"));
        ClientSettings second = new ClientSettings(Map.of("search_path", "orders"));

        assertEquals("SELECT pg_catalog.set_config(E'search_path', E'orders', false)",
                first.syncStatement(1, server, PG17_REPORTED));
        // every client of a schema-routed database wants this: nothing to run when another takes the server
        assertNull(second.syncStatement(2, server, PG17_REPORTED));
        assertNull(first.syncStatement(1, server, PG17_REPORTED));
    }

    @Test
    void aClientWithItsOwnSearchPathGetsItAndTheNextGetsTheSchemaBack() {
        ClientSettings schema = new ClientSettings(Map.of("search_path", "orders"));
        ClientSettings own = new ClientSettings(Map.of("search_path", "audit, orders"));

        schema.syncStatement(1, server, PG17_REPORTED);
        assertEquals("SELECT pg_catalog.set_config(E'search_path', E'audit, orders', false)",
                own.syncStatement(2, server, PG17_REPORTED));
        assertEquals("SELECT pg_catalog.set_config(E'search_path', E'orders', false)",
                schema.syncStatement(1, server, PG17_REPORTED));
    }

    /**
     * Keycloak's Liquibase: SET SEARCH_PATH TO public, "$user","public", which PostgreSQL 17 does not
     * report; pgwarden asked SHOW search_path after the transaction. The client carries that value to
     * its next server, and the next client of this server gets its own search_path back.
     */
    @Test
    void aSearchPathTheServerShowedGoesWithItsClientAndNotToTheNextClientOfThatServer() {
        ClientSettings keycloak = new ClientSettings(Map.of());
        ClientSettings other = new ClientSettings(Map.of());
        EmbeddedChannel secondChannel = new EmbeddedChannel();
        try {
            ServerSessionState second = ServerConnections.on(secondChannel).sessionState();
            keycloak.syncStatement(1, server, PG17_REPORTED);
            keycloak.searchPathShown("public, \"$user\", public", server, PG17_REPORTED);

            assertEquals("public, \"$user\", public", keycloak.searchPath());
            assertNull(keycloak.syncStatement(1, server, PG17_REPORTED), "the server it was shown on holds it");
            assertEquals("RESET \"search_path\"; ", other.syncStatement(2, server, PG17_REPORTED),
                    "another client does not inherit it");
            assertEquals("SELECT pg_catalog.set_config(E'search_path', E'public, \"$user\", public', false)",
                    keycloak.syncStatement(1, second, PG17_REPORTED), "its next server gets it");
        } finally {
            secondChannel.finishAndReleaseAll();
        }
    }

    @Test
    void whereTheServerReportsSearchPathItsReportIsWhatCounts() {
        ClientSettings client = new ClientSettings(Map.of("search_path", "orders"));
        Map<String, String> pg18 = Map.of("search_path", "orders");

        assertNull(client.syncStatement(1, server, pg18));
        // a SET search_path the server reported (PostgreSQL 18) is followed: another client finds its own back
        assertEquals("SELECT pg_catalog.set_config(E'search_path', E'orders', false)",
                client.syncStatement(2, server, Map.of("search_path", "elsewhere")));
    }

    @Test
    void afterTheServerWasResetTheSettingsAreAppliedAgain() {
        ClientSettings client = new ClientSettings(Map.of("search_path", "orders"));
        client.syncStatement(1, server, PG17_REPORTED);

        server.forgetSettings(); // DISCARD ALL or RESET ALL ran there
        assertEquals(1, server.lastClientId(), "still this client's: a role it SET is not reset for it");

        assertEquals("SELECT pg_catalog.set_config(E'search_path', E'orders', false)",
                client.syncStatement(1, server, PG17_REPORTED));
        assertNull(client.syncStatement(1, server, PG17_REPORTED));
    }

    @Test
    void theSearchPathNamesResolveWithIsTheStartupOneUntilTheServerReportsAnother() {
        assertEquals("", new ClientSettings(Map.of("TimeZone", "UTC")).searchPath(), "the server's default");
        ClientSettings client = new ClientSettings(new java.util.LinkedHashMap<>(Map.of("Search_Path", "audit")));
        assertEquals("audit", client.searchPath(), "setting names ignore case");
        client.reported("search_path", "orders"); // PostgreSQL 18 reports a SET of it
        assertEquals("orders", client.searchPath());
    }
}
