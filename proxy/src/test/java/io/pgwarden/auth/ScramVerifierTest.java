package io.pgwarden.auth;

import static io.pgwarden.auth.ScramExchangeTest.POSTGRES_17_VERIFIER_OF_POSTGRES;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScramVerifierTest {

    private static final String STORED_KEY = "eRJsfgKjj3JaoMy8mDZy05NMhdlpMIxGy8R6/Et3KDE=";
    private static final String SERVER_KEY = "uEAtScFiWAhyhyjM3xOBbQWUaPf1mOZ1FSrQ5BRC9S0=";

    @Test
    void parsesWhatPostgres17Stores() {
        ScramVerifier verifier = ScramVerifier.parse(POSTGRES_17_VERIFIER_OF_POSTGRES);

        assertEquals(4096, verifier.iterations());
        assertArrayEquals(Base64.getDecoder().decode("WlZ6b89y6Wx9nXIxJkLuTg=="), verifier.salt());
        assertArrayEquals(Base64.getDecoder().decode(STORED_KEY), verifier.storedKey());
        assertArrayEquals(Base64.getDecoder().decode(SERVER_KEY), verifier.serverKey());
    }

    @Test
    void encodesBackToTheSameText() {
        assertEquals(POSTGRES_17_VERIFIER_OF_POSTGRES, ScramVerifier.parse(POSTGRES_17_VERIFIER_OF_POSTGRES).encode());
    }

    @Test
    void derivesWhatPostgres17Derived() {
        ScramVerifier stored = ScramVerifier.parse(POSTGRES_17_VERIFIER_OF_POSTGRES);

        assertEquals(stored, ScramVerifier.fromPassword("postgres", stored.salt(), stored.iterations()));
        assertNotEquals(stored, ScramVerifier.fromPassword("postgres ", stored.salt(), stored.iterations()));
    }

    @Test
    void derivesNonAsciiPasswordsAsPostgres17Did() {
        // made by PostgreSQL 17.2 for CREATE ROLE ... PASSWORD '<the password>'
        assertDerives("p\u00e4ssw\u00f6rd", "SCRAM-SHA-256$4096:v89hw5cJCHeNKkYH+7XBTw==$"
                + "TVUU1t2dj7Ugd39M296PtM1XpaaXkCWDbXm5xcPUKow=:Ge/UD4l0QPy0vRP/Tz/jgTBqpSOA9hyVTXfeV5qQ4XQ=");
        assertDerives("\uff21\uff22\uff23 \u00bd", "SCRAM-SHA-256$4096:R5y0AvKDU76kr5V/nRHfFA==$"
                + "1ZquJsfN06EpNG+BcNT4QrNonc6STcAbw0qTYVDbOmM=:zoLLit++73A1tREl5V6px0lbLcXQ4+cEkLdSaCmTu+A=");
        // U+1F525 is unassigned in Unicode 3.2: SASLprep refuses, so the raw bytes count
        assertDerives("\u2764\ufe0f\u200d\ud83d\udd25", "SCRAM-SHA-256$4096:Jk5w7IVGMQl8tE3UyzzJSQ==$"
                + "FM6y7qFbJaJfLAnge4bq56LsWzhf9AMze0Szkq10Q2E=:QOsAux1qB9BPp0WrPFOsa8XkTGAI8AYumbjFdmBKNJ4=");
    }

    @Test
    void makesAFreshSaltEachTime() {
        ScramVerifier first = ScramVerifier.fromPassword("pw");
        ScramVerifier second = ScramVerifier.fromPassword("pw");

        assertEquals(4096, first.iterations());
        assertEquals(16, first.salt().length);
        assertFalse(java.util.Arrays.equals(first.salt(), second.salt()));
        assertEquals(first, ScramVerifier.parse(first.encode()));
    }

    @Test
    void refusesAnEmptyPassword() {
        assertThrows(IllegalArgumentException.class, () -> ScramVerifier.fromPassword(""));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "postgres",
        "md53175bce1d3201d16594cebf9d7eb3f9d",
        "SCRAM-SHA-1$4096:c2FsdA==$" + STORED_KEY + ":" + SERVER_KEY,
        "SCRAM-SHA-256$",
        "SCRAM-SHA-256$4096:c2FsdA==",
        "SCRAM-SHA-256$4096:c2FsdA==$" + STORED_KEY,
        "SCRAM-SHA-256$4096$c2FsdA==$" + STORED_KEY + ":" + SERVER_KEY,
        "SCRAM-SHA-256$4096:c2FsdA==:x$" + STORED_KEY + ":" + SERVER_KEY,
        "SCRAM-SHA-256$4096:c2FsdA==$" + STORED_KEY + ":" + SERVER_KEY + "$",
        "SCRAM-SHA-256$0:c2FsdA==$" + STORED_KEY + ":" + SERVER_KEY,
        "SCRAM-SHA-256$-1:c2FsdA==$" + STORED_KEY + ":" + SERVER_KEY,
        "SCRAM-SHA-256$ 4096:c2FsdA==$" + STORED_KEY + ":" + SERVER_KEY,
        "SCRAM-SHA-256$99999999999:c2FsdA==$" + STORED_KEY + ":" + SERVER_KEY,
        "SCRAM-SHA-256$4096:$" + STORED_KEY + ":" + SERVER_KEY,
        "SCRAM-SHA-256$4096:not base64!$" + STORED_KEY + ":" + SERVER_KEY,
        "SCRAM-SHA-256$4096:c2FsdA==$c2FsdA==:" + SERVER_KEY,
        "SCRAM-SHA-256$4096:c2FsdA==$" + STORED_KEY + ":" + SERVER_KEY + "AAAA",
    })
    void refusesMalformedVerifiersWithoutEchoingThem(String text) {
        IllegalArgumentException failure = assertThrows(IllegalArgumentException.class, () -> ScramVerifier.parse(text));

        assertFalse(failure.getMessage().contains(STORED_KEY), failure.getMessage());
        assertFalse(failure.getMessage().contains(SERVER_KEY), failure.getMessage());
    }

    @Test
    void toStringKeepsTheKeysOut() {
        ScramVerifier verifier = ScramVerifier.parse(POSTGRES_17_VERIFIER_OF_POSTGRES);

        assertFalse(verifier.toString().contains(STORED_KEY), verifier.toString());
        assertFalse(verifier.toString().contains(SERVER_KEY), verifier.toString());
        assertTrue(verifier.toString().contains("4096"), verifier.toString());
    }

    @Test
    void arraysAreCopiedInAndOut() {
        byte[] salt = {1, 2, 3};
        ScramVerifier verifier = new ScramVerifier(1, salt, new byte[32], new byte[32]);
        salt[0] = 9;
        verifier.salt()[1] = 9;
        verifier.storedKey()[0] = 9;

        assertArrayEquals(new byte[] {1, 2, 3}, verifier.salt());
        assertArrayEquals(new byte[32], verifier.storedKey());
    }

    @Test
    void equalityFollowsTheContent() {
        ScramVerifier verifier = ScramVerifier.parse(POSTGRES_17_VERIFIER_OF_POSTGRES);
        ScramVerifier same = ScramVerifier.parse(POSTGRES_17_VERIFIER_OF_POSTGRES);

        assertEquals(verifier, same);
        assertEquals(verifier.hashCode(), same.hashCode());
        assertNotEquals(verifier, new ScramVerifier(4096, verifier.salt(), verifier.serverKey(), verifier.storedKey()));
    }

    @Test
    void configuredPasswordMayBeAVerifierOrPlain() {
        assertEquals(ScramVerifier.parse(POSTGRES_17_VERIFIER_OF_POSTGRES),
                ScramVerifier.forConfiguredPassword(POSTGRES_17_VERIFIER_OF_POSTGRES));

        ScramVerifier fromPlain = ScramVerifier.forConfiguredPassword("postgres");
        assertEquals(fromPlain, ScramVerifier.fromPassword("postgres", fromPlain.salt(), fromPlain.iterations()));

        assertThrows(IllegalArgumentException.class,
                () -> ScramVerifier.forConfiguredPassword("md53175bce1d3201d16594cebf9d7eb3f9d"));
        assertThrows(IllegalArgumentException.class, () -> ScramVerifier.forConfiguredPassword("SCRAM-SHA-256$typo"));
    }

    private static void assertDerives(String password, String postgresVerifier) {
        ScramVerifier stored = ScramVerifier.parse(postgresVerifier);
        assertEquals(stored, ScramVerifier.fromPassword(password, stored.salt(), stored.iterations()));
    }
}
