package io.pgwarden.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgwarden.auth.Md5Password;
import io.pgwarden.auth.ScramVerifier;
import io.pgwarden.config.AuthMethod;
import io.pgwarden.config.ServiceConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectionHintsTest {

    private final ConnectionHints hints = ConnectionHints.forListener("127.0.0.1", 6432);

    @Test
    void plainPasswordsArePrintedReadyToUse() {
        ServiceConfig orders = service("orders-service", "orders-pass");

        assertEquals("jdbc:postgresql://127.0.0.1:6432/orders?user=orders-service&password=orders-pass",
                hints.jdbcUrl(orders, "orders"));
        assertEquals("psql \"postgresql://orders-service:orders-pass@127.0.0.1:6432/orders\"",
                hints.psqlCommand(orders, "orders"));
    }

    @Test
    void reservedCharactersArePercentEncoded() {
        ServiceConfig odd = service("odd user", "p@ss:w/rd&$`\"!+");

        assertEquals("jdbc:postgresql://127.0.0.1:6432/my%20db?user=odd%20user&password=p%40ss%3Aw%2Frd%26%24%60%22%21%2B",
                hints.jdbcUrl(odd, "my db"));
        assertEquals("psql \"postgresql://odd%20user:p%40ss%3Aw%2Frd%26%24%60%22%21%2B@127.0.0.1:6432/my%20db\"",
                hints.psqlCommand(odd, "my db"));
    }

    @Test
    void storedHashesAreNeverPrinted() {
        ServiceConfig scram = service("a", ScramVerifier.fromPassword("secret").encode());
        ServiceConfig md5 = service("b", Md5Password.hash("secret", "b"));

        assertEquals("jdbc:postgresql://127.0.0.1:6432/x?user=a&password=<password>", hints.jdbcUrl(scram, "x"));
        assertEquals("psql \"postgresql://b:<password>@127.0.0.1:6432/x\"", hints.psqlCommand(md5, "x"));
    }

    @Test
    void wildcardListenersAreDialledOnLoopback() {
        assertEquals(new ConnectionHints("127.0.0.1", 1), ConnectionHints.forListener("0.0.0.0", 1));
        assertEquals(new ConnectionHints("127.0.0.1", 1), ConnectionHints.forListener("::", 1));
        assertEquals(new ConnectionHints("[::1]", 1), ConnectionHints.forListener("::1", 1));
    }

    private static ServiceConfig service(String name, String password) {
        return new ServiceConfig(name, password, AuthMethod.SCRAM_SHA_256, List.of("x"));
    }
}
