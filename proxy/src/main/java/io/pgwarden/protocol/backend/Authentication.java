package io.pgwarden.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.pgwarden.protocol.CStrings;
import io.pgwarden.protocol.Frames;
import io.pgwarden.protocol.ProtocolException;

import java.util.ArrayList;
import java.util.List;

/**
 * The Authentication* family ('R'): one record, its request code telling which. {@code data} is the
 * md5 salt, the SASL continue/final data, or empty; {@code mechanisms} is set for AuthenticationSASL.
 */
public record Authentication(int code, byte[] data, List<String> mechanisms) {

    public static final int OK = 0;
    public static final int CLEARTEXT_PASSWORD = 3;
    public static final int MD5_PASSWORD = 5;
    public static final int SASL = 10;
    public static final int SASL_CONTINUE = 11;
    public static final int SASL_FINAL = 12;

    public static Authentication decode(ByteBuf frame) {
        ByteBuf body = Frames.body(frame);
        int code = body.readInt();
        return switch (code) {
            case SASL -> {
                List<String> mechanisms = new ArrayList<>();
                for (String name = CStrings.read(body); !name.isEmpty(); name = CStrings.read(body)) {
                    mechanisms.add(name);
                }
                yield new Authentication(code, new byte[0], List.copyOf(mechanisms));
            }
            case MD5_PASSWORD -> {
                if (body.readableBytes() != 4) {
                    throw new ProtocolException("malformed AuthenticationMD5Password");
                }
                yield new Authentication(code, ByteBufUtil.getBytes(body), List.of());
            }
            default -> new Authentication(code, ByteBufUtil.getBytes(body), List.of());
        };
    }

    public static ByteBuf ok(ByteBufAllocator alloc) {
        return alloc.buffer(9).writeByte(BackendMessages.AUTHENTICATION).writeInt(8).writeInt(OK);
    }

    public static ByteBuf md5Password(ByteBufAllocator alloc, byte[] salt) {
        return alloc.buffer(13).writeByte(BackendMessages.AUTHENTICATION).writeInt(12).writeInt(MD5_PASSWORD).writeBytes(salt);
    }

    /** AuthenticationSASL offering {@code mechanisms}, in the server's order of preference. */
    public static ByteBuf sasl(ByteBufAllocator alloc, String... mechanisms) {
        ByteBuf out = alloc.buffer();
        int length = Frames.begin(out, BackendMessages.AUTHENTICATION);
        out.writeInt(SASL);
        for (String mechanism : mechanisms) {
            CStrings.write(out, mechanism);
        }
        out.writeByte(0);
        Frames.end(out, length);
        return out;
    }

    public static ByteBuf saslContinue(ByteBufAllocator alloc, byte[] data) {
        return withData(alloc, SASL_CONTINUE, data);
    }

    public static ByteBuf saslFinal(ByteBufAllocator alloc, byte[] data) {
        return withData(alloc, SASL_FINAL, data);
    }

    private static ByteBuf withData(ByteBufAllocator alloc, int code, byte[] data) {
        ByteBuf out = alloc.buffer(9 + data.length);
        int length = Frames.begin(out, BackendMessages.AUTHENTICATION);
        out.writeInt(code).writeBytes(data);
        Frames.end(out, length);
        return out;
    }

    @Override
    public String toString() {
        return "Authentication(" + code + ")";
    }
}
