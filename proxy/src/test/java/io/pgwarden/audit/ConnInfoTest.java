package io.pgwarden.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConnInfoTest {

    @Test
    void keywordValuePairs() {
        assertEquals(Optional.of("orders_db"), ConnInfo.dbname("host=10.0.0.1 port=5432 dbname=orders_db user=x"));
        assertEquals(Optional.of("my db"), ConnInfo.dbname("host = h dbname = 'my db'"));
        assertEquals(Optional.of("it's"), ConnInfo.dbname("dbname='it\\'s' password='p w'"));
        assertEquals(Optional.of("second"), ConnInfo.dbname("dbname=first dbname=second"));
        assertEquals(Optional.empty(), ConnInfo.dbname("host=h user=u"));
        assertEquals(Optional.empty(), ConnInfo.dbname("host"));
        assertEquals(Optional.empty(), ConnInfo.dbname(null));
    }

    @Test
    void uris() {
        assertEquals(Optional.of("orders_db"), ConnInfo.dbname("postgresql://u@h:5432/orders_db?sslmode=require"));
        assertEquals(Optional.of("my db"), ConnInfo.dbname("postgres://h/my%20db"));
        assertEquals(Optional.of("other"), ConnInfo.dbname("postgresql://h/orders_db?dbname=other"));
        assertEquals(Optional.empty(), ConnInfo.dbname("postgresql://h/"));
        assertEquals(Optional.empty(), ConnInfo.dbname("postgresql://h"));
    }
}
