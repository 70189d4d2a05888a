package io.pgwarden.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.pgwarden.protocol.ProtocolException;

import java.util.List;

/**
 * Decodes the untyped startup-phase packets (int32 length, int32 code, body). One packet per call:
 * the handler that follows decides whether the next bytes are another startup packet (after an
 * SSLRequest answered 'N') or typed messages, and swaps this decoder out.
 */
public final class StartupPacketDecoder extends ByteToMessageDecoder {

    /** PostgreSQL refuses startup packets longer than this (MAX_STARTUP_PACKET_LENGTH). */
    public static final int MAX_STARTUP_PACKET_LENGTH = 10_000;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 4) {
            return;
        }
        int length = in.getInt(in.readerIndex());
        if (length < 8 || length > MAX_STARTUP_PACKET_LENGTH) {
            in.skipBytes(in.readableBytes());
            throw new ProtocolException("invalid length of startup packet");
        }
        if (in.readableBytes() < length) {
            return;
        }
        ByteBuf packet = in.readSlice(length);
        packet.skipBytes(4);
        int code = packet.readInt();
        out.add(decodePacket(code, packet));
    }

    static StartupPacket decodePacket(int code, ByteBuf body) {
        switch (code) {
            case SslRequest.CODE:
                return SslRequest.INSTANCE;
            case GssEncRequest.CODE:
                return GssEncRequest.INSTANCE;
            case CancelRequest.CODE:
                if (body.readableBytes() != 8) {
                    throw new ProtocolException("invalid length of cancel request packet");
                }
                return new CancelRequest(body.readInt(), body.readInt());
            default:
                return StartupMessage.decode(code, body);
        }
    }
}
