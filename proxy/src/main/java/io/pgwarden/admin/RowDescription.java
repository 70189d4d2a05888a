package io.pgwarden.admin;

import io.netty.buffer.ByteBuf;
import io.pgwarden.protocol.CStrings;
import io.pgwarden.protocol.Frames;
import java.util.List;

/** RowDescription ('T'): the columns of the rows that follow; every column in text format. */
record RowDescription(List<Column> columns) {

    static final byte TYPE = 'T';

    RowDescription {
        columns = List.copyOf(columns);
    }

    void encode(ByteBuf out) {
        int length = Frames.begin(out, TYPE);
        out.writeShort(columns.size());
        for (Column column : columns) {
            CStrings.write(out, column.name());
            out.writeInt(0);                          // no table
            out.writeShort(0);                        // no attribute number
            out.writeInt(column.type().oid());
            out.writeShort(column.type().size());
            out.writeInt(-1);                         // no type modifier
            out.writeShort(0);                        // text format
        }
        Frames.end(out, length);
    }
}
