package io.pgwarden.auth;

import static io.pgwarden.auth.ScramTestMessages.ascii;
import static io.pgwarden.auth.ScramTestMessages.clientFinal;
import static io.pgwarden.auth.ScramTestMessages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SCRAM-SHA-256-PLUS with tls-server-end-point, and the GS2 flags, held to PostgreSQL's rules. */
class ScramChannelBindingTest {

    private static final String PASSWORD = "s3cret";
    private static final ScramVerifier VERIFIER = ScramVerifier.fromPassword(PASSWORD);
    private static final String BARE = "n=,r=clientnonce";
    private static final byte[] CERTIFICATE_HASH = new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
            17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
    private static final ChannelBinding TLS = ChannelBinding.tlsServerEndPoint(CERTIFICATE_HASH);

    private static ScramServerExchange overTls() {
        return new ScramServerExchange(VERIFIER, TLS, () -> "servernonce");
    }

    private static String cbind(byte[] hash) {
        byte[] header = "p=tls-server-end-point,,".getBytes(StandardCharsets.US_ASCII);
        byte[] input = java.util.Arrays.copyOf(header, header.length + hash.length);
        System.arraycopy(hash, 0, input, header.length, hash.length);
        return Base64.getEncoder().encodeToString(input);
    }

    private static AuthenticationFailedException.ClientError refusal(org.junit.jupiter.api.function.Executable step) {
        return assertThrows(AuthenticationFailedException.class, step).clientError();
    }

    @Test
    void overTlsPlusIsOfferedFirstAndOverTcpNot() {
        assertEquals(List.of("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"), overTls().mechanisms());
        assertEquals(List.of("SCRAM-SHA-256"), new ScramServerExchange(VERIFIER).mechanisms());
        assertEquals(List.of("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"),
                ScramServerExchange.forUnknownUser("nobody", new byte[] {1}, TLS).mechanisms(), "the mock offers what a real one would");
    }

    @Test
    void plusWithTheCertificateHashOfThisConnectionSucceeds() throws AuthenticationFailedException {
        ScramServerExchange server = overTls();
        byte[] serverFirst = server.handleClientFirst("SCRAM-SHA-256-PLUS", ascii("p=tls-server-end-point,," + BARE));
        byte[] serverFinal = server.handleClientFinal(clientFinal(PASSWORD, BARE, serverFirst,
                "c=" + cbind(CERTIFICATE_HASH) + ",r=clientnonceservernonce"));
        assertTrue(text(serverFinal).startsWith("v="));
        assertEquals(ScramServerExchange.State.SUCCEEDED, server.state());
    }

    @Test
    void plusBoundToAnotherCertificateFailsAsPostgresDoes() throws AuthenticationFailedException {
        ScramServerExchange server = overTls();
        byte[] serverFirst = server.handleClientFirst("SCRAM-SHA-256-PLUS", ascii("p=tls-server-end-point,," + BARE));
        byte[] otherHash = CERTIFICATE_HASH.clone();
        otherHash[0] ^= 1; // a man in the middle's certificate: the right password does not help
        byte[] clientFinal = clientFinal(PASSWORD, BARE, serverFirst, "c=" + cbind(otherHash) + ",r=clientnonceservernonce");

        assertEquals(new AuthenticationFailedException.ClientError("28000", "SCRAM channel binding check failed", null),
                refusal(() -> server.handleClientFinal(clientFinal)));
        assertEquals(ScramServerExchange.State.FAILED, server.state());
    }

    @Test
    void yFlagOverTlsIsRefusedAsADowngrade() {
        AuthenticationFailedException.ClientError error = refusal(() -> overTls().handleClientFirst("SCRAM-SHA-256", ascii("y,," + BARE)));
        assertEquals("28000", error.sqlState());
        assertEquals("SCRAM channel binding negotiation error", error.message());
        assertEquals("The client supports SCRAM channel binding but thinks the server does not.  "
                + "However, this server does support channel binding.", error.detail());
    }

    @Test
    void yAndNFlagsOverTcpAndNOverTlsWithThePlainMechanismAreFine() throws AuthenticationFailedException {
        new ScramServerExchange(VERIFIER).handleClientFirst("SCRAM-SHA-256", ascii("y,," + BARE));
        new ScramServerExchange(VERIFIER).handleClientFirst("SCRAM-SHA-256", ascii("n,," + BARE));
        ScramServerExchange server = overTls();
        byte[] serverFirst = server.handleClientFirst("SCRAM-SHA-256", ascii("n,," + BARE));
        server.handleClientFinal(clientFinal(PASSWORD, BARE, serverFirst, "c=biws,r=clientnonceservernonce"));
        assertEquals(ScramServerExchange.State.SUCCEEDED, server.state());
    }

    @Test
    void flagsThatContradictTheMechanismAreMalformed() {
        AuthenticationFailedException.ClientError plusWithoutData =
                refusal(() -> overTls().handleClientFirst("SCRAM-SHA-256-PLUS", ascii("n,," + BARE)));
        assertEquals("08P01", plusWithoutData.sqlState());
        assertEquals("malformed SCRAM message", plusWithoutData.message());
        assertEquals("The client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include channel binding data.",
                plusWithoutData.detail());

        AuthenticationFailedException.ClientError dataWithoutPlus =
                refusal(() -> overTls().handleClientFirst("SCRAM-SHA-256", ascii("p=tls-server-end-point,," + BARE)));
        assertEquals("The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data.",
                dataWithoutPlus.detail());
    }

    @Test
    void otherBindingTypesAndPlusOverTcpAreRefused() {
        assertEquals(new AuthenticationFailedException.ClientError("08P01", "unsupported SCRAM channel-binding type \"tls-unique\"", null),
                refusal(() -> overTls().handleClientFirst("SCRAM-SHA-256-PLUS", ascii("p=tls-unique,," + BARE))));
        assertEquals(new AuthenticationFailedException.ClientError("08P01", "client selected an invalid SASL authentication mechanism", null),
                refusal(() -> new ScramServerExchange(VERIFIER).handleClientFirst("SCRAM-SHA-256-PLUS",
                        ascii("p=tls-server-end-point,," + BARE))));
    }

    @Test
    void theNFlagFinalMessageMayNotClaimABinding() throws AuthenticationFailedException {
        ScramServerExchange server = overTls();
        byte[] serverFirst = server.handleClientFirst("SCRAM-SHA-256", ascii("n,," + BARE));
        byte[] clientFinal = clientFinal(PASSWORD, BARE, serverFirst, "c=" + cbind(CERTIFICATE_HASH) + ",r=clientnonceservernonce");
        assertNull(refusal(() -> server.handleClientFinal(clientFinal)), "a plain malformed message: 28P01 as before");
    }
}
