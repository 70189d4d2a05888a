package io.pgwarden.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.protocol.CStrings;
import io.pgwarden.protocol.Frames;
import io.pgwarden.protocol.ProtocolException;

/** SASLInitialResponse: the chosen mechanism and the client-first-message. */
public record SaslInitialResponse(String mechanism, byte[] data) {

    public static SaslInitialResponse decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        String mechanism = CStrings.read(body);
        if (body.readableBytes() < 4) {
            throw new ProtocolException("malformed SASLInitialResponse");
        }
        int length = body.readInt();
        if (length < 0 || length != body.readableBytes()) {
            throw new ProtocolException("malformed SASLInitialResponse");
        }
        byte[] data = new byte[length];
        body.readBytes(data);
        return new SaslInitialResponse(mechanism, data);
    }
}
