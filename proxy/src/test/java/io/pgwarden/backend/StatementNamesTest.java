package io.pgwarden.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Which clients share a server statement: the same definition, resolved with the same search_path. */
class StatementNamesTest {

    private final StatementNames names = new StatementNames();

    /** The name for {@code sql} with no parameter types (a definition at a non-zero offset), in {@code scope}. */
    private String nameFor(String sql, String scope) {
        ByteBuf definition = Unpooled.buffer();
        try {
            definition.writeBytes("xx".getBytes(StandardCharsets.US_ASCII));
            definition.writeBytes(sql.getBytes(StandardCharsets.UTF_8)).writeByte(0).writeShort(0);
            definition.readerIndex(2);
            return scope == null ? names.nameFor(definition) : names.nameFor(definition, scope);
        } finally {
            definition.release();
        }
    }

    @Test
    void theSameDefinitionResolvedAlikeIsOneStatement() {
        String first = nameFor("SELECT v FROM t", "path_ints");
        assertEquals(first, nameFor("SELECT v FROM t", "path_ints"));
        assertEquals(nameFor("SELECT v FROM t", null), nameFor("SELECT v FROM t", ""),
                "no search_path of its own: the server's default");
    }

    @Test
    void anotherSearchPathIsAnotherStatement() {
        String ints = nameFor("SELECT v FROM t", "path_ints");
        String texts = nameFor("SELECT v FROM t", "path_texts");
        assertNotEquals(ints, texts);
        assertNotEquals(ints, nameFor("SELECT v FROM t", null));
        assertNotEquals(ints, nameFor("SELECT v FROM u", "path_ints"));
    }
}
