package io.pgwarden.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Our client side against our server side. */
class ScramExchangeTest {

    /** Made by PostgreSQL 17.2 for {@code CREATE ROLE ... PASSWORD 'postgres'}. */
    static final String POSTGRES_17_VERIFIER_OF_POSTGRES = "SCRAM-SHA-256$4096:WlZ6b89y6Wx9nXIxJkLuTg==$"
            + "eRJsfgKjj3JaoMy8mDZy05NMhdlpMIxGy8R6/Et3KDE=:uEAtScFiWAhyhyjM3xOBbQWUaPf1mOZ1FSrQ5BRC9S0=";

    @Test
    void succeedsWithTheRightPassword() throws Exception {
        ScramServerExchange server = new ScramServerExchange(ScramVerifier.fromPassword("s3cret"));
        ScramClientExchange client = new ScramClientExchange("s3cret");

        run(client, server);

        assertEquals(ScramServerExchange.State.SUCCEEDED, server.state());
        assertEquals(ScramClientExchange.State.SUCCEEDED, client.state());
    }

    @Test
    void failsWithTheWrongPasswordWithoutSayingIt() throws Exception {
        ScramServerExchange server = new ScramServerExchange(ScramVerifier.fromPassword("s3cret"));
        ScramClientExchange client = new ScramClientExchange("guessed-wrong");

        byte[] serverFirst = server.handleClientFirst(client.clientFirstMessage());
        byte[] clientFinal = client.handleServerFirst(serverFirst);
        AuthenticationFailedException failure =
                assertThrows(AuthenticationFailedException.class, () -> server.handleClientFinal(clientFinal));

        assertEquals(ScramServerExchange.State.FAILED, server.state());
        String proof = ScramTestMessages.text(clientFinal).replaceAll(".*,p=", "");
        assertFalse(failure.getMessage().contains("guessed-wrong"));
        assertFalse(failure.getMessage().contains("s3cret"));
        assertFalse(failure.getMessage().contains(proof));
    }

    @Test
    void succeedsAgainstAVerifierMadeByPostgres17() throws Exception {
        ScramServerExchange server = new ScramServerExchange(ScramVerifier.parse(POSTGRES_17_VERIFIER_OF_POSTGRES));

        run(new ScramClientExchange("postgres"), server);

        assertEquals(ScramServerExchange.State.SUCCEEDED, server.state());
    }

    @Test
    void failsAgainstAVerifierMadeByPostgres17WithTheWrongPassword() {
        ScramServerExchange server = new ScramServerExchange(ScramVerifier.parse(POSTGRES_17_VERIFIER_OF_POSTGRES));

        assertThrows(AuthenticationFailedException.class, () -> run(new ScramClientExchange("Postgres"), server));
        assertEquals(ScramServerExchange.State.FAILED, server.state());
    }

    @Test
    void passwordsEqualAfterSaslPrepAreTheSamePassword() throws Exception {
        String composed = "p\u00e4ssw\u00f6rd";
        String decomposed = "pa\u0308ssw\u00f6rd";
        ScramServerExchange server = new ScramServerExchange(ScramVerifier.fromPassword(composed));

        run(new ScramClientExchange(decomposed), server);

        assertEquals(ScramServerExchange.State.SUCCEEDED, server.state());
    }

    @Test
    void aServerThatDoesNotKnowThePasswordIsCaught() throws Exception {
        ScramServerExchange server = new ScramServerExchange(ScramVerifier.fromPassword("s3cret"));
        ScramClientExchange client = new ScramClientExchange("s3cret");
        client.handleServerFirst(server.handleClientFirst(client.clientFirstMessage()));

        // a forged signature: what an impostor without the ServerKey can offer
        assertThrows(AuthenticationFailedException.class,
                () -> client.handleServerFinal(ScramTestMessages.ascii("v=" + "A".repeat(43) + "=")));
        assertEquals(ScramClientExchange.State.FAILED, client.state());
    }

    @Test
    void eachExchangeUsesFreshNonces() throws Exception {
        ScramVerifier verifier = ScramVerifier.fromPassword("s3cret");
        byte[] first = new ScramServerExchange(verifier).handleClientFirst(new ScramClientExchange("x").clientFirstMessage());
        byte[] second = new ScramServerExchange(verifier).handleClientFirst(new ScramClientExchange("x").clientFirstMessage());

        assertFalse(ScramTestMessages.nonceOf(first).equals(ScramTestMessages.nonceOf(second)));
        assertEquals(ScramTestMessages.saltOf(first), ScramTestMessages.saltOf(second));
    }

    @Test
    void toStringShowsNoSecrets() throws Exception {
        ScramVerifier verifier = ScramVerifier.fromPassword("s3cret");
        ScramServerExchange server = new ScramServerExchange(verifier);
        ScramClientExchange client = new ScramClientExchange("s3cret");
        byte[] serverFirst = server.handleClientFirst(client.clientFirstMessage());
        client.handleServerFirst(serverFirst);

        String shown = server + " " + client;
        assertTrue(shown.contains("AWAITING"), shown);
        assertFalse(shown.contains("s3cret"), shown);
        assertFalse(shown.contains(ScramTestMessages.nonceOf(serverFirst)), shown);
    }

    @Test
    void aPasswordsKeysAreDerivedOncePerSaltAndNeverAnswerForAnotherPassword() throws Exception {
        ScramKeyCache cache = new ScramKeyCache();
        ScramVerifier verifier = ScramVerifier.fromPassword("s3cret");
        for (int i = 0; i < 3; i++) {
            ScramClientExchange client = new ScramClientExchange("s3cret", cache);
            ScramServerExchange server = new ScramServerExchange(verifier);
            run(client, server);
            assertEquals(ScramServerExchange.State.SUCCEEDED, server.state());
            assertEquals(ScramClientExchange.State.SUCCEEDED, client.state());
        }
        assertEquals(1, cache.size(), "three logins with the same salt: one derivation");

        ScramClientExchange afterPasswordChange = new ScramClientExchange("s3cret", cache);
        ScramServerExchange newSalt = new ScramServerExchange(ScramVerifier.fromPassword("s3cret"));
        run(afterPasswordChange, newSalt);
        assertEquals(ScramServerExchange.State.SUCCEEDED, newSalt.state());
        assertEquals(2, cache.size(), "a new salt is derived again");

        ScramClientExchange wrong = new ScramClientExchange("guessed-wrong", cache);
        ScramServerExchange server = new ScramServerExchange(verifier);
        byte[] clientFinal = wrong.handleServerFirst(server.handleClientFirst(wrong.clientFirstMessage()));
        assertThrows(AuthenticationFailedException.class, () -> server.handleClientFinal(clientFinal),
                "the right password's keys for this salt are cached; the wrong one still fails");
    }

    static void run(ScramClientExchange client, ScramServerExchange server) throws AuthenticationFailedException {
        byte[] serverFirst = server.handleClientFirst(client.clientFirstMessage());
        byte[] serverFinal = server.handleClientFinal(client.handleServerFirst(serverFirst));
        client.handleServerFinal(serverFinal);
    }
}
