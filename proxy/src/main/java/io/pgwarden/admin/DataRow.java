package io.pgwarden.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.pgwarden.protocol.Frames;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** DataRow ('D'): one row, each value as text; a null value is SQL NULL (length -1). */
record DataRow(List<String> values) {

    static final byte TYPE = 'D';

    DataRow {
        values = Collections.unmodifiableList(new ArrayList<>(values)); // List.copyOf refuses nulls
    }

    void encode(ByteBuf out) {
        int length = Frames.begin(out, TYPE);
        out.writeShort(values.size());
        for (String value : values) {
            if (value == null) {
                out.writeInt(-1);
                continue;
            }
            int lengthIndex = out.writerIndex();
            out.writeInt(0);
            int written = ByteBufUtil.writeUtf8(out, value);
            out.setInt(lengthIndex, written);
        }
        Frames.end(out, length);
    }
}
