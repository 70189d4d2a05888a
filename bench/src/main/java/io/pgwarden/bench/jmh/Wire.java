package io.pgwarden.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/** Realistic message bytes for the hot-path benchmarks, written the way PostgreSQL and libpq do. */
final class Wire {

    private Wire() {
    }

    /** The server's answer to one pgbench -S transaction in extended mode: 2, D, C, Z. */
    static void selectOnlyResponse(ByteBuf out) {
        message(out, '2', new byte[0]);
        ByteBuf row = ByteBufAllocator.DEFAULT.heapBuffer();
        row.writeShort(1).writeInt(4).writeBytes("1234".getBytes(StandardCharsets.US_ASCII));
        message(out, 'D', bytes(row));
        message(out, 'C', cstring("SELECT 1"));
        message(out, 'Z', new byte[] {'I'});
    }

    /** One DataRow of {@code columns} text columns of {@code width} bytes each. */
    static void dataRow(ByteBuf out, int columns, int width) {
        ByteBuf row = ByteBufAllocator.DEFAULT.heapBuffer();
        row.writeShort(columns);
        for (int c = 0; c < columns; c++) {
            row.writeInt(width);
            for (int i = 0; i < width; i++) {
                row.writeByte('a' + i % 26);
            }
        }
        message(out, 'D', bytes(row));
    }

    /** Bind of a named statement with {@code params} int4 parameters in binary, results in binary. */
    static void bind(ByteBuf out, String portal, String statement, int params) {
        ByteBuf body = ByteBufAllocator.DEFAULT.heapBuffer();
        body.writeBytes(cstring(portal)).writeBytes(cstring(statement));
        body.writeShort(1).writeShort(1); // one format code: binary for all parameters
        body.writeShort(params);
        for (int i = 0; i < params; i++) {
            body.writeInt(4).writeInt(1000 + i);
        }
        body.writeShort(1).writeShort(1); // results in binary
        message(out, 'B', bytes(body));
    }

    /** Bind + Execute + Sync, as pgjdbc sends a prepared statement. */
    static void bindExecuteSync(ByteBuf out, String statement) {
        bind(out, "", statement, 1);
        ByteBuf execute = ByteBufAllocator.DEFAULT.heapBuffer();
        execute.writeBytes(cstring("")).writeInt(0);
        message(out, 'E', bytes(execute));
        message(out, 'S', new byte[0]);
    }

    private static void message(ByteBuf out, char type, byte[] body) {
        out.writeByte(type).writeInt(body.length + 4).writeBytes(body);
    }

    private static byte[] cstring(String value) {
        byte[] text = value.getBytes(StandardCharsets.UTF_8);
        byte[] withNul = new byte[text.length + 1];
        System.arraycopy(text, 0, withNul, 0, text.length);
        return withNul;
    }

    private static byte[] bytes(ByteBuf buf) {
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        buf.release();
        return bytes;
    }
}
