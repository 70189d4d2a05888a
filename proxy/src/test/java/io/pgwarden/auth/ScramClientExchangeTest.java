package io.pgwarden.auth;

import static io.pgwarden.auth.ScramTestMessages.ascii;
import static io.pgwarden.auth.ScramTestMessages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScramClientExchangeTest {

    private static final String NONCE = "clientNonce";

    @Test
    void sendsAnEmptyUserNameAndNoChannelBinding() {
        String first = text(new ScramClientExchange("pw").clientFirstMessage());

        assertTrue(first.matches("n,,n=,r=[A-Za-z0-9+/]{24}"), first);
    }

    @Test
    void refusesAnEmptyPassword() {
        assertThrows(IllegalArgumentException.class, () -> new ScramClientExchange(""));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "r=clientNonce,s=c2FsdA==,i=4096",           // the server added nothing
        "r=otherNonceXYZ,s=c2FsdA==,i=4096",         // not our nonce
        "r=clientNonc,s=c2FsdA==,i=4096",
        "m=ext,r=clientNonceXYZ,s=c2FsdA==,i=4096",
        "r=clientNonceXYZ,s=not base64!,i=4096",
        "r=clientNonceXYZ,s=,i=4096",
        "r=clientNonceXYZ,s=c2FsdA==,i=0",
        "r=clientNonceXYZ,s=c2FsdA==,i=-1",
        "r=clientNonceXYZ,s=c2FsdA==,i=+5",
        "r=clientNonceXYZ,s=c2FsdA==,i=abc",
        "r=clientNonceXYZ,s=c2FsdA==,i=99999999999",
        "r=clientNonceXYZ,s=c2FsdA==",
        "r=clientNonceXYZ,i=4096,s=c2FsdA==",
        "r=clientNonceXYZ,s=c2FsdA==,i=4096,",
        "e=other-error",
    })
    void refusesMalformedServerFirst(String serverFirst) {
        ScramClientExchange client = startedClient();

        assertThrows(AuthenticationFailedException.class, () -> client.handleServerFirst(ascii(serverFirst)));
        assertEquals(ScramClientExchange.State.FAILED, client.state());
    }

    @Test
    void answersServerFirstWithExtensions() throws Exception {
        ScramClientExchange client = startedClient();

        String clientFinal = text(client.handleServerFirst(ascii("r=clientNonceXYZ,s=c2FsdA==,i=1,x=extension")));

        assertTrue(clientFinal.matches("c=biws,r=clientNonceXYZ,p=[A-Za-z0-9+/]{43}="), clientFinal);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "e=invalid-proof",
        "e=",
        "v=not base64!",
        "v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "v=AAAA",
        "x=1,v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    })
    void refusesABadServerFinal(String serverFinal) throws Exception {
        ScramClientExchange client = startedClient();
        client.handleServerFirst(ascii("r=clientNonceXYZ,s=c2FsdA==,i=1"));

        assertThrows(AuthenticationFailedException.class, () -> client.handleServerFinal(ascii(serverFinal)));
        assertEquals(ScramClientExchange.State.FAILED, client.state());
    }

    @Test
    void reportsTheServerError() throws Exception {
        ScramClientExchange client = startedClient();
        client.handleServerFirst(ascii("r=clientNonceXYZ,s=c2FsdA==,i=1"));

        AuthenticationFailedException failure =
                assertThrows(AuthenticationFailedException.class, () -> client.handleServerFinal(ascii("e=invalid-proof")));
        assertTrue(failure.getMessage().contains("invalid-proof"), failure.getMessage());
    }

    @Test
    void misuseOfTheStateMachineIsAProgrammingError() throws Exception {
        ScramClientExchange client = new ScramClientExchange("pw", "", () -> NONCE);
        assertThrows(IllegalStateException.class, () -> client.handleServerFirst(ascii("r=clientNonceXYZ,s=c2FsdA==,i=1")));

        client.clientFirstMessage();
        assertThrows(IllegalStateException.class, client::clientFirstMessage);
        assertThrows(IllegalStateException.class, () -> client.handleServerFinal(ascii("v=AAAA")));

        client.handleServerFirst(ascii("r=clientNonceXYZ,s=c2FsdA==,i=1"));
        assertThrows(IllegalStateException.class, () -> client.handleServerFirst(ascii("r=clientNonceXYZ,s=c2FsdA==,i=1")));
    }

    @Test
    void toStringShowsNoPassword() {
        ScramClientExchange client = new ScramClientExchange("hunter2");

        assertFalse(client.toString().contains("hunter2"), client.toString());
    }

    private static ScramClientExchange startedClient() {
        ScramClientExchange client = new ScramClientExchange("pw", "", () -> NONCE);
        client.clientFirstMessage();
        return client;
    }
}
