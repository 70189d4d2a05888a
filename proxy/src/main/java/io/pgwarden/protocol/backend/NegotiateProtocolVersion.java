package io.pgwarden.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgwarden.protocol.CStrings;
import io.pgwarden.protocol.Frames;

import java.util.List;

/**
 * NegotiateProtocolVersion ('v'): the newest minor version supported and the protocol options
 * ({@code _pq_.*}) not recognised, sent as PostgreSQL does when a client asks for more than 3.0.
 */
public record NegotiateProtocolVersion(int newestMinorVersion, List<String> unrecognizedOptions) {

    public ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer();
        int length = Frames.begin(out, BackendMessages.NEGOTIATE_PROTOCOL_VERSION);
        out.writeInt((3 << 16) | newestMinorVersion);
        out.writeInt(unrecognizedOptions.size());
        unrecognizedOptions.forEach(option -> CStrings.write(out, option));
        Frames.end(out, length);
        return out;
    }
}
