package io.pgwarden.auth;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The SCRAM-SHA-256 example of RFC 7677 section 3, reproduced on both sides with its nonces. */
class ScramRfc7677VectorTest {

    private static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
    private static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private static final byte[] SALT = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");

    private static final String CLIENT_FIRST = "n,,n=user,r=" + CLIENT_NONCE;
    private static final String SERVER_FIRST = "r=" + CLIENT_NONCE + SERVER_NONCE + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private static final String CLIENT_FINAL = "c=biws,r=" + CLIENT_NONCE + SERVER_NONCE
            + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private static final String SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    @Test
    void serverSideProducesTheRfcMessages() throws Exception {
        ScramVerifier verifier = ScramVerifier.fromPassword("pencil", SALT, 4096);
        ScramServerExchange server = new ScramServerExchange(verifier, () -> SERVER_NONCE);

        assertEquals(SERVER_FIRST, text(server.handleClientFirst(CLIENT_FIRST.getBytes(US_ASCII))));
        assertEquals(SERVER_FINAL, text(server.handleClientFinal(CLIENT_FINAL.getBytes(US_ASCII))));
        assertEquals(ScramServerExchange.State.SUCCEEDED, server.state());
    }

    @Test
    void clientSideProducesTheRfcMessages() throws Exception {
        ScramClientExchange client = new ScramClientExchange("pencil", "user", () -> CLIENT_NONCE);

        assertEquals(CLIENT_FIRST, text(client.clientFirstMessage()));
        assertEquals(CLIENT_FINAL, text(client.handleServerFirst(SERVER_FIRST.getBytes(US_ASCII))));
        client.handleServerFinal(SERVER_FINAL.getBytes(US_ASCII));
        assertEquals(ScramClientExchange.State.SUCCEEDED, client.state());
    }

    private static String text(byte[] message) {
        return new String(message, US_ASCII);
    }
}
