package io.pgwarden.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Any client-first-message and client-final-message a client sends: the exchange either moves on
 * as SCRAM says or fails with an {@link AuthenticationFailedException} that has a message and
 * leaves the exchange FAILED. No other exception (the handler would log a stack trace for client
 * garbage), and no success without the password's proof.
 *
 * <p>Input, read by {@link FuzzedDataProvider}: over TCP or TLS (where -PLUS is offered), the
 * mechanism the client names, the client-first-message, then how the final message is built (raw
 * bytes; the right channel binding and nonce followed by fuzzed bytes; or those plus fuzzed
 * extensions and a proof computed from the password, so success is reachable, -PLUS included).
 */
class ScramServerExchangeFuzzTest {

    private static final String PASSWORD = "pencil";
    private static final String SERVER_NONCE = "3rfcNHYJY1ZVvWVs7j";
    private static final byte[] SALT = "QSXCR+Q6sek8bf92".getBytes(StandardCharsets.US_ASCII);
    private static final ScramVerifier VERIFIER = ScramVerifier.fromPassword(PASSWORD, SALT, 4096);
    /** PBKDF2 once, not per input. */
    private static final byte[] CLIENT_KEY =
            ScramFunctions.clientKey(ScramFunctions.saltedPassword(SaslPrep.passwordBytes(PASSWORD), SALT, 4096));
    private static final byte[] CERTIFICATE_HASH = new byte[32];

    @FuzzTest(maxDuration = "5s")
    void anyClientMessagesAuthenticateOrFailCleanly(FuzzedDataProvider data) {
        ChannelBinding channel = data.consumeBoolean() ? ChannelBinding.tlsServerEndPoint(CERTIFICATE_HASH) : ChannelBinding.NONE;
        ScramServerExchange exchange = data.consumeBoolean()
                ? new ScramServerExchange(VERIFIER, channel, () -> SERVER_NONCE)
                : ScramServerExchange.forUnknownUser("nobody", new byte[] {1, 2, 3}, channel);
        String mechanism = data.consumeBoolean() ? "SCRAM-SHA-256-PLUS" : "SCRAM-SHA-256";
        int finalShape = data.consumeInt(0, 2);
        byte[] clientFirst = data.consumeBytes(data.consumeInt(0, 300));
        byte[] serverFirst;
        try {
            serverFirst = exchange.handleClientFirst(mechanism, clientFirst);
        } catch (AuthenticationFailedException e) {
            assertFailed(exchange, e);
            return;
        }
        assertEquals(ScramServerExchange.State.AWAITING_CLIENT_FINAL, exchange.state());
        String serverFirstText = new String(serverFirst, StandardCharsets.US_ASCII);
        assertTrue(serverFirstText.startsWith("r=") && serverFirstText.contains(",s=") && serverFirstText.contains(",i="),
                serverFirstText);
        String nonce = ScramTestMessages.nonceOf(serverFirst);
        int bareStart = gs2HeaderLength(clientFirst);
        byte[] header = Arrays.copyOf(clientFirst, bareStart);
        String binding = java.util.Base64.getEncoder().encodeToString(clientFirst[0] == 'p' ? concat(header, CERTIFICATE_HASH) : header);

        byte[] clientFinal = switch (finalShape) {
            case 0 -> data.consumeRemainingAsBytes();
            case 1 -> concat(ascii("c=" + binding + ",r=" + nonce), data.consumeRemainingAsBytes());
            default -> withProof(Arrays.copyOfRange(clientFirst, bareStart, clientFirst.length), serverFirst,
                    "c=" + binding + ",r=" + nonce + data.consumeRemainingAsString());
        };
        byte[] serverFinal;
        try {
            serverFinal = exchange.handleClientFinal(clientFinal);
        } catch (AuthenticationFailedException e) {
            assertFailed(exchange, e);
            return;
        }
        assertEquals(ScramServerExchange.State.SUCCEEDED, exchange.state());
        assertEquals(2, finalShape, "success only with the password's proof");
        assertTrue(new String(serverFinal, StandardCharsets.US_ASCII).matches("v=[A-Za-z0-9+/]{43}="));
    }

    private static void assertFailed(ScramServerExchange exchange, AuthenticationFailedException e) {
        assertEquals(ScramServerExchange.State.FAILED, exchange.state());
        assertFalse(e.getMessage() == null || e.getMessage().isEmpty(), "a failure says why");
    }

    /** {@code withoutProof} and the proof the password gives for it. */
    /** The GS2 header the exchange accepted: up to and with its second comma. */
    private static int gs2HeaderLength(byte[] clientFirst) {
        int commas = 0;
        for (int i = 0; i < clientFirst.length; i++) {
            if (clientFirst[i] == ',' && ++commas == 2) {
                return i + 1;
            }
        }
        throw new AssertionError("an accepted client-first-message has a GS2 header");
    }

    private static byte[] withProof(byte[] bare, byte[] serverFirst, String withoutProof) {
        byte[] withoutProofBytes = withoutProof.getBytes(StandardCharsets.UTF_8);
        byte[] authMessage = ScramFunctions.authMessage(bare, serverFirst, withoutProofBytes);
        byte[] proof = ScramFunctions.xor(CLIENT_KEY, ScramFunctions.hmac(ScramFunctions.sha256(CLIENT_KEY), authMessage));
        return concat(withoutProofBytes, ascii(",p=" + java.util.Base64.getEncoder().encodeToString(proof)));
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }
}
