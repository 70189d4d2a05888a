package io.pgwarden.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Any typed-message stream is cut into whole frames (type, a length that counts itself, the body)
 * or refused with Netty's {@link TooLongFrameException} or {@link CorruptedFrameException}, both of
 * which the client pipeline answers with 08P01; nothing else is thrown and no buffer is kept.
 *
 * <p>Input: the stream, then two trailing bytes: the read size and the message limit (small, so
 * that the too-long path is reached; the limits in use are 64 KiB during login and 1 GiB after).
 */
class MessageFrameDecoderFuzzTest {

    @FuzzTest(maxDuration = "5s")
    void anyStreamIsCutIntoWholeFramesOrRefused(FuzzedDataProvider data) {
        int chunkSize = data.consumeInt(1, 64);
        int maxLength = data.consumeInt(5, 260);
        byte[] stream = data.consumeRemainingAsBytes();
        AtomicLong framed = new AtomicLong();

        ChunkedFeed.Outcome outcome = ChunkedFeed.feed(new MessageFrameDecoder(maxLength), stream, chunkSize, message -> {
            ByteBuf frame = assertInstanceOf(ByteBuf.class, message);
            assertTrue(frame.readableBytes() >= Frames.HEADER_LENGTH, "a frame has its header");
            assertEquals(frame.readableBytes() - 1, frame.getInt(frame.readerIndex() + 1), "the length counts itself and the body");
            assertTrue(frame.readableBytes() - 1 <= maxLength, "no frame over the limit");
            framed.addAndGet(frame.readableBytes());
        });

        assertTrue(framed.get() <= stream.length, "frames are cut from the stream, never invented");
        if (outcome.failure() != null) {
            Throwable failure = outcome.failure();
            assertTrue(failure instanceof TooLongFrameException || failure instanceof CorruptedFrameException,
                    "only the refusals the client pipeline answers: " + failure);
            assertTrue(failure.getMessage() != null && !failure.getMessage().isEmpty());
        }
    }
}
