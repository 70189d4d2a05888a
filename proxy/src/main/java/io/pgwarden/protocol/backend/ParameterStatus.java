package io.pgwarden.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgwarden.protocol.CStrings;
import io.pgwarden.protocol.Frames;

/** ParameterStatus ('S'): the server reports a run-time setting's current value. */
public record ParameterStatus(String name, String value) {

    public static ParameterStatus decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        return new ParameterStatus(CStrings.read(body), CStrings.read(body));
    }

    public void encode(ByteBuf out) {
        int length = Frames.begin(out, BackendMessages.PARAMETER_STATUS);
        CStrings.write(out, name);
        CStrings.write(out, value);
        Frames.end(out, length);
    }

    public ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(name.length() + value.length() + 7);
        encode(out);
        return out;
    }
}
