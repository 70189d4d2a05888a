package io.pgwarden.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The first value of a DataRow, as PostgreSQL sends the answer to SHOW search_path. */
class DataRowTest {

    private static ByteBuf row(byte[]... values) {
        ByteBuf body = Unpooled.buffer().writeShort(values.length);
        for (byte[] value : values) {
            if (value == null) {
                body.writeInt(-1);
            } else {
                body.writeInt(value.length).writeBytes(value);
            }
        }
        ByteBuf frame = Unpooled.buffer().writeByte('D').writeInt(4 + body.readableBytes()).writeBytes(body);
        body.release();
        return frame;
    }

    @Test
    void theFirstValueIsReadAsText() {
        ByteBuf frame = row("public, \"$user\", public".getBytes(StandardCharsets.UTF_8), "x".getBytes(StandardCharsets.UTF_8));
        try {
            assertEquals("public, \"$user\", public", DataRow.firstValue(frame));
        } finally {
            frame.release();
        }
    }

    @Test
    void aNullNoColumnOrACutRowHasNoValue() {
        ByteBuf nullValue = row((byte[]) null);
        ByteBuf noColumn = row();
        ByteBuf cut = Unpooled.buffer().writeByte('D').writeInt(10).writeShort(1).writeInt(100);
        try {
            assertNull(DataRow.firstValue(nullValue));
            assertNull(DataRow.firstValue(noColumn));
            assertNull(DataRow.firstValue(cut));
        } finally {
            nullValue.release();
            noColumn.release();
            cut.release();
        }
    }
}
