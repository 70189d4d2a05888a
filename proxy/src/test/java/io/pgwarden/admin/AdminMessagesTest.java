package io.pgwarden.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Exact bytes of the messages the console writes, written after three bytes of something else. */
class AdminMessagesTest {

    private static String encode(Consumer<ByteBuf> encoder) {
        ByteBuf out = Unpooled.buffer();
        out.writeBytes(new byte[] {1, 2, 3});
        encoder.accept(out);
        try {
            return ByteBufUtil.hexDump(out, 3, out.writerIndex() - 3);
        } finally {
            out.release();
        }
    }

    @Test
    void rowDescriptionOfATextAndAnInt8Column() {
        String hex = encode(new RowDescription(List.of(Column.text("db"), Column.int8("n")))::encode);

        assertEquals("54" + "0000002f" + "0002"
                + "646200" + "00000000" + "0000" + "00000019" + "ffff" + "ffffffff" + "0000"
                + "6e00" + "00000000" + "0000" + "00000014" + "0008" + "ffffffff" + "0000", hex);
    }

    @Test
    void dataRowWithTextUtf8AndNull() {
        String hex = encode(new DataRow(Arrays.asList("ab", "é", null))::encode);

        assertEquals("44" + "00000016" + "0003" + "00000002" + "6162" + "00000002" + "c3a9" + "ffffffff", hex);
    }

    @Test
    void commandCompleteAndEmptyQueryResponse() {
        assertEquals("43" + "00000009" + "53484f5700", encode(new CommandComplete("SHOW")::encode));
        assertEquals("49" + "00000004", encode(EmptyQueryResponse::encode));
    }
}
