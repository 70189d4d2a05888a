package io.pgwarden.admin;

import io.netty.buffer.ByteBuf;
import io.pgwarden.protocol.CStrings;
import io.pgwarden.protocol.Frames;

/** CommandComplete ('C'): the command tag, {@code SHOW} or {@code PAUSE} and so on. */
record CommandComplete(String tag) {

    static final byte TYPE = 'C';

    void encode(ByteBuf out) {
        int length = Frames.begin(out, TYPE);
        CStrings.write(out, tag);
        Frames.end(out, length);
    }
}
