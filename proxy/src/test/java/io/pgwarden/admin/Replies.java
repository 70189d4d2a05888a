package io.pgwarden.admin;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The backend messages an {@link EmbeddedChannel} wrote, decoded for assertions. */
final class Replies {

    /** One message: its type byte and body. */
    record Message(char type, byte[] body) {

        /** RowDescription: column name → type OID, in order. */
        Map<String, Integer> columns() {
            expect('T');
            ByteBuffer in = ByteBuffer.wrap(body);
            int count = in.getShort();
            Map<String, Integer> columns = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                String name = cString(in);
                in.getInt();
                in.getShort();
                int oid = in.getInt();
                in.getShort();
                in.getInt();
                if (in.getShort() != 0) {
                    throw new AssertionError("not text format");
                }
                columns.put(name, oid);
            }
            return columns;
        }

        /** DataRow values; null for SQL NULL. */
        List<String> values() {
            expect('D');
            ByteBuffer in = ByteBuffer.wrap(body);
            int count = in.getShort();
            List<String> values = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int length = in.getInt();
                if (length < 0) {
                    values.add(null);
                    continue;
                }
                byte[] value = new byte[length];
                in.get(value);
                values.add(new String(value, StandardCharsets.UTF_8));
            }
            return values;
        }

        /** CommandComplete's tag, ReadyForQuery's status, or the one string of other messages. */
        String text() {
            if (type == 'Z') {
                return String.valueOf((char) body[0]);
            }
            return cString(ByteBuffer.wrap(body));
        }

        /** ErrorResponse fields by code. */
        Map<Character, String> fields() {
            expect('E');
            ByteBuffer in = ByteBuffer.wrap(body);
            Map<Character, String> fields = new LinkedHashMap<>();
            byte code;
            while ((code = in.get()) != 0) {
                fields.put((char) code, cString(in));
            }
            return fields;
        }

        private void expect(char expected) {
            if (type != expected) {
                throw new AssertionError("expected message " + expected + " but got " + type);
            }
        }
    }

    private Replies() {
    }

    /** Reads and releases everything written so far. */
    static List<Message> read(EmbeddedChannel channel) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Object out;
        while ((out = channel.readOutbound()) != null) {
            ByteBuf buf = (ByteBuf) out;
            byte[] chunk = new byte[buf.readableBytes()];
            buf.readBytes(chunk);
            bytes.writeBytes(chunk);
            ReferenceCountUtil.release(buf);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes.toByteArray());
        List<Message> messages = new ArrayList<>();
        while (in.hasRemaining()) {
            char type = (char) in.get();
            byte[] body = new byte[in.getInt() - 4];
            in.get(body);
            messages.add(new Message(type, body));
        }
        return messages;
    }

    static String types(List<Message> messages) {
        StringBuilder types = new StringBuilder();
        messages.forEach(m -> types.append(m.type()));
        return types.toString();
    }

    private static String cString(ByteBuffer in) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte b;
        while ((b = in.get()) != 0) {
            bytes.write(b);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
