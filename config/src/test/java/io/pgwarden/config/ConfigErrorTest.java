package io.pgwarden.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigErrorTest {

    @Test
    void namesPathAndLine() {
        assertEquals("databases.orders.pool_size (line 14): must be between 1 and 10000",
                new ConfigError("databases.orders.pool_size", 14, "must be between 1 and 10000").toString());
    }

    @Test
    void leavesOutWhatIsUnknown() {
        assertEquals("line 3: not valid YAML", new ConfigError("", 3, "not valid YAML").toString());
        assertEquals("listen.port: bad", new ConfigError("listen.port", 0, "bad").toString());
        assertEquals("file not found", new ConfigError("", 0, "file not found").toString());
    }

    @Test
    void exceptionMessageListsEveryErrorOnItsOwnLine() {
        ConfigException e = new ConfigException("pgwarden.yaml", List.of(
                new ConfigError("backends.main.port", 4, "must be between 1 and 65535"),
                new ConfigError("services.x.databases[0]", 9, "database 'y' is not defined")));
        assertEquals("""
                pgwarden.yaml: 2 errors
                  backends.main.port (line 4): must be between 1 and 65535
                  services.x.databases[0] (line 9): database 'y' is not defined""", e.getMessage());
        assertEquals("pgwarden.yaml", e.sourceName());
        assertEquals(2, e.errors().size());
    }

    @Test
    void exceptionNeedsAnError() {
        assertThrows(IllegalArgumentException.class, () -> new ConfigException("x", List.of()));
    }

    @Test
    void pathsQuoteKeysThatWouldHideOrSplit() {
        assertEquals("databases.orders", KeyPath.child("databases", "orders"));
        assertEquals("services.orders-service", KeyPath.child("services", "orders-service"));
        assertEquals("databases.\"\"", KeyPath.child("databases", ""));
        assertEquals("databases.\"my.db\"", KeyPath.child("databases", "my.db"));
        assertEquals("services.\"a\\0b\"", KeyPath.child("services", "a\0b"));
        assertEquals("services.x.databases[2]", KeyPath.index("services.x.databases", 2));
        assertEquals("listen", KeyPath.child("", "listen"));
    }
}
