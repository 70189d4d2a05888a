package io.pgwarden.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgwarden.protocol.Frames;
import io.pgwarden.protocol.ProtocolException;

/** BackendKeyData ('K'): the process id and secret a client needs to cancel its queries. */
public record BackendKeyData(int processId, int secretKey) {

    public static BackendKeyData decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        if (body.readableBytes() != 8) {
            throw new ProtocolException("malformed BackendKeyData");
        }
        return new BackendKeyData(body.readInt(), body.readInt());
    }

    public ByteBuf encode(ByteBufAllocator alloc) {
        return alloc.buffer(13).writeByte(BackendMessages.BACKEND_KEY_DATA).writeInt(12)
                .writeInt(processId).writeInt(secretKey);
    }

    @Override
    public String toString() {
        return "BackendKeyData(pid=" + processId + ")"; // the secret stays out of logs
    }
}
