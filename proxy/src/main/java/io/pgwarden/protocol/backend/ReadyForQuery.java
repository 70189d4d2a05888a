package io.pgwarden.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgwarden.protocol.Frames;
import io.pgwarden.protocol.TransactionStatus;

/** ReadyForQuery ('Z'): the server finished a request and says where the transaction stands. */
public final class ReadyForQuery {

    private ReadyForQuery() {
    }

    public static TransactionStatus status(ByteBuf frame) {
        return TransactionStatus.of(frame.getByte(frame.readerIndex() + Frames.HEADER_LENGTH));
    }

    public static ByteBuf encode(ByteBufAllocator alloc, TransactionStatus status) {
        return alloc.buffer(6).writeByte(BackendMessages.READY_FOR_QUERY).writeInt(5).writeByte(status.code());
    }
}
