package io.pgwarden.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.pgwarden.protocol.CStrings;
import io.pgwarden.protocol.Frames;
import io.pgwarden.protocol.ProtocolException;

/** The body of a 'p' message read as a password (cleartext or md5 response) or as raw SASL data. */
public final class PasswordMessage {

    private PasswordMessage() {
    }

    public static String password(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        String password = CStrings.read(body);
        if (body.isReadable()) {
            throw new ProtocolException("invalid password packet size");
        }
        return password;
    }

    /** SASLResponse: the whole body is mechanism data. */
    public static byte[] saslData(ByteBuf frame) {
        return ByteBufUtil.getBytes(Frames.body(frame));
    }
}
