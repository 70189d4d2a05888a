package io.pgwarden.admin;

import io.netty.buffer.ByteBuf;

/** EmptyQueryResponse ('I'): the query string held no command. */
final class EmptyQueryResponse {

    static final byte TYPE = 'I';

    private EmptyQueryResponse() {
    }

    static void encode(ByteBuf out) {
        out.writeByte(TYPE).writeInt(4);
    }
}
