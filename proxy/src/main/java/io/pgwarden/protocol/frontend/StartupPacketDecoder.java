package io.pgwarden.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.pgwarden.protocol.ProtocolException;

import java.util.List;

/**
 * Decodes the untyped startup-phase packets (int32 length, int32 code, body), one packet per read:
 * the handler that follows answers an encryption request before the next packet is decoded (and
 * asks {@link #bufferedBytes()} whether the client sent more without waiting for the answer), and
 * swaps this decoder out after the StartupMessage.
 *
 * <p>A StartupMessage, CancelRequest or an {@link EarlyTerminate} ends the phase: nothing after it is decoded here. The bytes
 * after a StartupMessage are typed messages, handed to the next decoder when this one is removed.
 * Nothing is decoded once the connection is closed either: what a client left behind when it (or
 * pgwarden) closed has no one to answer it.
 */
public final class StartupPacketDecoder extends ByteToMessageDecoder {

    /** PostgreSQL refuses startup packets longer than this (MAX_STARTUP_PACKET_LENGTH). */
    public static final int MAX_STARTUP_PACKET_LENGTH = 10_000;

    private boolean phaseOver;

    public StartupPacketDecoder() {
        setSingleDecode(true);
    }

    /** Bytes received and not decoded yet: the client sent them before it had an answer to the last packet. */
    public int bufferedBytes() {
        return actualReadableBytes();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!ctx.channel().isActive()) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (phaseOver || in.readableBytes() < 4) {
            return;
        }
        if (in.getByte(in.readerIndex()) == FrontendMessages.TERMINATE) { // no length starts with 'X': it would be over 10000
            if (in.readableBytes() < EarlyTerminate.LENGTH) {
                return;
            }
            if (in.getInt(in.readerIndex() + 1) == 4) {
                in.skipBytes(in.readableBytes());
                phaseOver = true;
                out.add(EarlyTerminate.INSTANCE);
                return;
            }
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
        StartupPacket decoded = decodePacket(code, packet);
        phaseOver = decoded instanceof StartupMessage || decoded instanceof CancelRequest;
        out.add(decoded);
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
