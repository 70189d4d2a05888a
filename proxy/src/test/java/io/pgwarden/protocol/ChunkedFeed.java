package io.pgwarden.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A byte stream fed to a decoder in chunks, as reads off a socket arrive, for fuzz targets. It
 * stops at the first failure and closes the channel, as the client pipeline does, then checks
 * that every input buffer was released: a leak fails the target at once instead of showing up
 * later (or never) in the leak detector's log.
 */
public final class ChunkedFeed {

    /**
     * @param decoded what the decoder passed on, before the feed released it
     * @param failure the first exception the decoder raised, or null
     */
    public record Outcome(List<Object> decoded, Throwable failure) {
    }

    private ChunkedFeed() {
    }

    /**
     * @param check sees each decoded message while it is still alive (buffers not yet released)
     */
    public static Outcome feed(ChannelHandler decoder, byte[] stream, int chunkSize, Consumer<Object> check) {
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        List<ByteBuf> inputs = new ArrayList<>();
        List<Object> decoded = new ArrayList<>();
        Throwable failure = null;
        try {
            for (int offset = 0; offset < stream.length && failure == null; offset += chunkSize) {
                int length = Math.min(chunkSize, stream.length - offset);
                // pooled, at a non-zero offset: the allocator and index arithmetic of a real read
                ByteBuf chunk = PooledByteBufAllocator.DEFAULT.buffer(length + 3).writeZero(3).skipBytes(3);
                chunk.writeBytes(stream, offset, length);
                inputs.add(chunk);
                failure = writeCatching(channel, chunk);
                drain(channel, decoded, check);
            }
            Throwable onClose = closeCatching(channel);
            failure = failure != null ? failure : onClose;
            drain(channel, decoded, check);
        } finally {
            channel.finishAndReleaseAll();
        }
        for (int i = 0; i < inputs.size(); i++) {
            assertEquals(0, inputs.get(i).refCnt(), "input chunk " + i + " was not released");
        }
        return new Outcome(decoded, failure);
    }

    private static Throwable writeCatching(EmbeddedChannel channel, ByteBuf chunk) {
        try {
            channel.writeInbound(chunk);
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    private static Throwable closeCatching(EmbeddedChannel channel) {
        try {
            channel.close().syncUninterruptibly();
            channel.checkException();
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    private static void drain(EmbeddedChannel channel, List<Object> decoded, Consumer<Object> check) {
        for (Object message = channel.readInbound(); message != null; message = channel.readInbound()) {
            try {
                check.accept(message);
            } finally {
                ReferenceCountUtil.release(message);
            }
            decoded.add(message);
        }
    }
}
