package io.pgwarden.protocol.frontend;

import io.netty.buffer.ByteBuf;

/** CancelRequest (code 80877102), sent on a fresh connection: cancel the query of (pid, secret). */
public record CancelRequest(int processId, int secretKey) implements StartupPacket {

    public static final int CODE = 80877102;
    public static final int LENGTH = 16;

    /** Writes the whole packet, length first. */
    public void encode(ByteBuf out) {
        out.writeInt(LENGTH).writeInt(CODE).writeInt(processId).writeInt(secretKey);
    }

    @Override
    public String toString() {
        return "CancelRequest(pid=" + processId + ")"; // the secret stays out of logs
    }
}
