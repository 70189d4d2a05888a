package io.pgwarden.auth;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static io.pgwarden.auth.ScramTestMessages.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which mechanism pgwarden picks toward PostgreSQL, and what it binds to: libpq's channel_binding=prefer. */
class ScramClientChannelBindingTest {

    private static final byte[] END_POINT = endPoint();
    private static final ChannelBinding TLS = ChannelBinding.tlsServerEndPoint(END_POINT);
    private static final List<String> WITH_PLUS = List.of("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256");
    private static final List<String> WITHOUT_PLUS = List.of("SCRAM-SHA-256");

    private static byte[] endPoint() {
        byte[] data = new byte[32];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        return data;
    }

    /** c= of client-final-message, decoded. */
    private static byte[] bindingAttribute(ScramClientExchange client) throws AuthenticationFailedException {
        client.clientFirstMessage();
        String clientFinal = text(client.handleServerFirst("r=clientNonceXYZ,s=c2FsdA==,i=4096".getBytes(StandardCharsets.US_ASCII)));
        return Base64.getDecoder().decode(clientFinal.substring(2, clientFinal.indexOf(',')));
    }

    @Test
    void overTlsWhenOfferedItBindsToTheServerCertificate() throws AuthenticationFailedException {
        ScramClientExchange client = ScramClientExchange.forOffer("pw", WITH_PLUS, TLS, () -> "clientNonce");
        assertEquals("SCRAM-SHA-256-PLUS", client.mechanism());
        byte[] binding = bindingAttribute(ScramClientExchange.forOffer("pw", WITH_PLUS, TLS, () -> "clientNonce"));
        byte[] header = "p=tls-server-end-point,,".getBytes(StandardCharsets.US_ASCII);
        byte[] expected = java.util.Arrays.copyOf(header, header.length + END_POINT.length);
        System.arraycopy(END_POINT, 0, expected, header.length, END_POINT.length);
        assertArrayEquals(expected, binding, "the GS2 header, then the certificate's hash (RFC 5929)");
        assertEquals("p=tls-server-end-point,,n=,r=clientNonce", text(client.clientFirstMessage()));
    }

    @Test
    void overTlsWithoutAnOfferItSaysItCouldHaveBound() throws AuthenticationFailedException {
        ScramClientExchange client = ScramClientExchange.forOffer("pw", WITHOUT_PLUS, TLS, () -> "clientNonce");
        assertEquals("SCRAM-SHA-256", client.mechanism());
        assertEquals("y,,n=,r=clientNonce", text(client.clientFirstMessage()));
        assertArrayEquals("y,,".getBytes(StandardCharsets.US_ASCII),
                bindingAttribute(ScramClientExchange.forOffer("pw", WITHOUT_PLUS, TLS, () -> "clientNonce")));
    }

    @Test
    void inTheClearNoBindingEvenIfPlusIsOffered() throws AuthenticationFailedException {
        ScramClientExchange client = ScramClientExchange.forOffer("pw", WITH_PLUS, ChannelBinding.NONE, () -> "clientNonce");
        assertEquals("SCRAM-SHA-256", client.mechanism());
        assertEquals("n,,n=,r=clientNonce", text(client.clientFirstMessage()));
        assertArrayEquals("n,,".getBytes(StandardCharsets.US_ASCII),
                bindingAttribute(ScramClientExchange.forOffer("pw", WITH_PLUS, ChannelBinding.NONE, () -> "clientNonce")));
    }

    @Test
    void anOfferWithoutScramIsRefused() {
        AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class,
                () -> ScramClientExchange.forOffer("pw", List.of("OAUTHBEARER"), TLS, () -> "n"));
        assertTrue(e.getMessage().contains("no SASL mechanism pgwarden speaks"), e.getMessage());
    }
}
