package io.pgwarden.auth;

import static io.pgwarden.auth.ScramTestMessages.ascii;
import static io.pgwarden.auth.ScramTestMessages.clientFinal;
import static io.pgwarden.auth.ScramTestMessages.nonceOf;
import static io.pgwarden.auth.ScramTestMessages.saltOf;
import static io.pgwarden.auth.ScramTestMessages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScramServerExchangeTest {

    private static final String PASSWORD = "s3cret";
    private static final ScramVerifier VERIFIER = ScramVerifier.fromPassword(PASSWORD);
    private static final String CLIENT_NONCE = "fyko+d2lbbFgONRv9qkxdawL";
    private static final String CLIENT_FIRST_BARE = "n=,r=" + CLIENT_NONCE;
    private static final String THIRTY_TWO_BYTES = Base64.getEncoder().encodeToString(new byte[32]);

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "n",
        "n,",
        "n,,",
        "nn,n=,r=abc",
        "n,x,n=,r=abc",
        "x,,n=,r=abc",
        "p=tls-server-end-point,,n=,r=abc",
        "p,,n=,r=abc",
        "n,a=admin,n=,r=abc",
        "n,,r=abc",
        "n,,n=",
        "n,,n=,r=",
        "n,,n=,r=ab\u0001c",
        "n,,n=,r=ab c",
        "n,,m=ext,n=,r=abc",
        "n,,n=,r=abc,",
        "n,,n=,r=abc,,x=1",
        "n,,n=,r=abc,1=x",
        "n,,n=,r=abc,x",
        "n,,=x,r=abc",
        "n,,n=,,r=abc",
        "n,,n,r=abc",
    })
    void refusesMalformedClientFirst(String clientFirst) {
        ScramServerExchange server = new ScramServerExchange(VERIFIER);

        assertThrows(AuthenticationFailedException.class, () -> server.handleClientFirst(clientFirst.getBytes(StandardCharsets.UTF_8)));
        assertEquals(ScramServerExchange.State.FAILED, server.state());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "c=biws",
        "c=biws,r=NONCE",
        "c=biws,r=NONCE,",
        "r=NONCE,c=biws,p=PROOF",
        "c=biws,p=PROOF",
        "c=cD10bHMtc2VydmVyLWVuZC1wb2ludCws,r=NONCE,p=PROOF", // p=tls-server-end-point,,
        "c=eSws,r=NONCE,p=PROOF",                             // y,, after n,,
        "c=,r=NONCE,p=PROOF",
        "c=biws,r=NONCEx,p=PROOF",
        "c=biws,r=" + CLIENT_NONCE + ",p=PROOF",
        "c=biws,r=NONCE,p=not base64!",
        "c=biws,r=NONCE,p=AAAA",
        "c=biws,r=NONCE,p=",
        "c=biws,r=NONCE,p=PROOF,x=after-the-proof",
        "c=biws,r=NONCE,p=PROOF,",
        "c=biws,r=NONCE,p=PROOFPROOF",
    })
    void refusesMalformedClientFinal(String template) throws Exception {
        ScramServerExchange server = new ScramServerExchange(VERIFIER);
        byte[] serverFirst = server.handleClientFirst(ascii("n,," + CLIENT_FIRST_BARE));
        String clientFinal = template.replace("NONCE", nonceOf(serverFirst)).replace("PROOF", THIRTY_TWO_BYTES);

        assertThrows(AuthenticationFailedException.class, () -> server.handleClientFinal(ascii(clientFinal)));
        assertEquals(ScramServerExchange.State.FAILED, server.state());
    }

    @Test
    void acceptsTheClientThatSupportsChannelBindingButThinksWeDoNot() throws Exception {
        ScramServerExchange server = new ScramServerExchange(VERIFIER);
        byte[] serverFirst = server.handleClientFirst(ascii("y,," + CLIENT_FIRST_BARE));

        server.handleClientFinal(clientFinal(PASSWORD, CLIENT_FIRST_BARE, serverFirst, "c=eSws,r=" + nonceOf(serverFirst)));

        assertEquals(ScramServerExchange.State.SUCCEEDED, server.state());
    }

    @Test
    void refusesAYClientThatRepeatsTheWrongFlag() throws Exception {
        ScramServerExchange server = new ScramServerExchange(VERIFIER);
        byte[] serverFirst = server.handleClientFirst(ascii("y,," + CLIENT_FIRST_BARE));
        byte[] clientFinal = clientFinal(PASSWORD, CLIENT_FIRST_BARE, serverFirst, "c=biws,r=" + nonceOf(serverFirst));

        assertThrows(AuthenticationFailedException.class, () -> server.handleClientFinal(clientFinal));
    }

    @Test
    void ignoresTheUserNameAndExtensionsButSignsThem() throws Exception {
        ScramServerExchange server = new ScramServerExchange(VERIFIER);
        String bare = "n=someone=2Celse,r=" + CLIENT_NONCE + ",x=extension";
        byte[] serverFirst = server.handleClientFirst(ascii("n,," + bare));

        byte[] serverFinal = server.handleClientFinal(
                clientFinal(PASSWORD, bare, serverFirst, "c=biws,r=" + nonceOf(serverFirst) + ",x=another"));

        assertTrue(text(serverFinal).startsWith("v="));
        assertEquals(ScramServerExchange.State.SUCCEEDED, server.state());
    }

    @Test
    void acceptsAUserNameThatIsNotUtf8() throws Exception {
        ScramServerExchange server = new ScramServerExchange(VERIFIER);
        byte[] clientFirst = ascii("n,,n=\u0000\u0000,r=" + CLIENT_NONCE);
        clientFirst[5] = (byte) 0xC3; // a lone UTF-8 lead byte
        clientFirst[6] = (byte) 0xFF;

        byte[] serverFirst = server.handleClientFirst(clientFirst);

        assertTrue(nonceOf(serverFirst).startsWith(CLIENT_NONCE));
    }

    @Test
    void serverFirstCarriesTheVerifierSaltAndIterations() throws Exception {
        ScramVerifier verifier = ScramVerifier.fromPassword(PASSWORD, ascii("0123456789abcdef"), 10_000);
        byte[] serverFirst = new ScramServerExchange(verifier).handleClientFirst(ascii("n,," + CLIENT_FIRST_BARE));

        assertTrue(text(serverFirst).matches("r=" + java.util.regex.Pattern.quote(CLIENT_NONCE)
                + "[A-Za-z0-9+/]{24},s=MDEyMzQ1Njc4OWFiY2RlZg==,i=10000"), text(serverFirst));
    }

    @Test
    void misuseOfTheStateMachineIsAProgrammingError() throws Exception {
        ScramServerExchange server = new ScramServerExchange(VERIFIER);
        assertThrows(IllegalStateException.class, () -> server.handleClientFinal(ascii("c=biws")));

        server.handleClientFirst(ascii("n,," + CLIENT_FIRST_BARE));
        assertThrows(IllegalStateException.class, () -> server.handleClientFirst(ascii("n,," + CLIENT_FIRST_BARE)));

        assertThrows(AuthenticationFailedException.class, () -> server.handleClientFinal(ascii("garbage")));
        assertThrows(IllegalStateException.class, () -> server.handleClientFinal(ascii("c=biws")));
    }

    @Test
    void garbageNeverEscapesAsAnotherException() throws Exception {
        Random random = new Random(5802);
        String validFirst = "n,," + CLIENT_FIRST_BARE;
        for (int i = 0; i < 2_000; i++) {
            ScramServerExchange server = new ScramServerExchange(VERIFIER);
            byte[] first = mutate(ascii(validFirst), random);
            byte[] serverFirst;
            try {
                serverFirst = server.handleClientFirst(first);
            } catch (AuthenticationFailedException expected) {
                continue;
            }
            byte[] validFinal = ascii("c=biws,r=" + nonceOf(serverFirst) + ",p=" + THIRTY_TWO_BYTES);
            try {
                server.handleClientFinal(mutate(validFinal, random));
            } catch (AuthenticationFailedException expected) {
                assertEquals(ScramServerExchange.State.FAILED, server.state());
            }
        }
    }

    @Test
    void unknownUserLooksRealThenFails() throws Exception {
        byte[] secret = ascii("instance secret");
        ScramServerExchange server = ScramServerExchange.forUnknownUser("mallory", secret);

        byte[] serverFirst = server.handleClientFirst(ascii("n,," + CLIENT_FIRST_BARE));
        assertTrue(text(serverFirst).matches("r=[^,]{48},s=[A-Za-z0-9+/]{22}==,i=4096"), text(serverFirst));

        AuthenticationFailedException failure = assertThrows(AuthenticationFailedException.class,
                () -> server.handleClientFinal(clientFinal("any", CLIENT_FIRST_BARE, serverFirst, "c=biws,r=" + nonceOf(serverFirst))));
        assertTrue(failure.getMessage().contains("no such user"), failure.getMessage());
        assertEquals(ScramServerExchange.State.FAILED, server.state());
    }

    @Test
    void unknownUserGetsTheSameSaltEveryTime() throws Exception {
        byte[] secret = ascii("instance secret");

        String first = saltOf(ScramServerExchange.forUnknownUser("mallory", secret).handleClientFirst(ascii("n,," + CLIENT_FIRST_BARE)));
        String again = saltOf(ScramServerExchange.forUnknownUser("mallory", secret).handleClientFirst(ascii("n,," + CLIENT_FIRST_BARE)));
        String otherName = saltOf(ScramServerExchange.forUnknownUser("trudy", secret).handleClientFirst(ascii("n,," + CLIENT_FIRST_BARE)));
        String otherSecret = saltOf(ScramServerExchange.forUnknownUser("mallory", ascii("other")).handleClientFirst(ascii("n,," + CLIENT_FIRST_BARE)));

        assertEquals(first, again);
        assertFalse(first.equals(otherName));
        assertFalse(first.equals(otherSecret));
    }

    @Test
    void unknownUserStillRefusesMalformedMessages() throws Exception {
        ScramServerExchange server = ScramServerExchange.forUnknownUser("mallory", ascii("secret"));
        assertThrows(AuthenticationFailedException.class, () -> server.handleClientFirst(ascii("p=tls-unique,,n=,r=abc")));
    }

    /** Flips, drops or duplicates a few bytes. */
    private static byte[] mutate(byte[] message, Random random) {
        byte[] result = message.clone();
        int edits = 1 + random.nextInt(3);
        for (int i = 0; i < edits && result.length > 0; i++) {
            int at = random.nextInt(result.length);
            switch (random.nextInt(3)) {
                case 0 -> result[at] = (byte) random.nextInt(256);
                case 1 -> result = java.util.Arrays.copyOf(result, at);
                default -> {
                    byte[] longer = java.util.Arrays.copyOf(result, result.length + 1);
                    System.arraycopy(result, at, longer, at + 1, result.length - at);
                    result = longer;
                }
            }
        }
        return result;
    }
}
