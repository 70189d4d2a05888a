package io.pgwarden.protocol.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.DecoderException;
import io.pgwarden.protocol.ChunkedFeed;
import io.pgwarden.protocol.ProtocolException;

/**
 * Whatever a client sends before its startup is decoded into startup packets or refused with a
 * {@link ProtocolException} that has a message (08P01 for the client); the decoder never throws
 * anything else, never keeps a buffer, and never yields a packet over PostgreSQL's 10,000 bytes.
 *
 * <p>Input: the stream, then one trailing byte for the size of the reads it is cut into.
 */
class StartupPacketDecoderFuzzTest {

    @FuzzTest(maxDuration = "5s")
    void anyStartupBytesDecodeOrFailWithAProtocolError(FuzzedDataProvider data) {
        int chunkSize = data.consumeInt(1, 64);
        byte[] stream = data.consumeRemainingAsBytes();

        ChunkedFeed.Outcome outcome = ChunkedFeed.feed(new StartupPacketDecoder(), stream, chunkSize,
                StartupPacketDecoderFuzzTest::checkPacket);

        if (outcome.failure() != null) {
            DecoderException failure = assertInstanceOf(DecoderException.class, outcome.failure());
            ProtocolException cause = assertInstanceOf(ProtocolException.class, failure.getCause(), "only a protocol error");
            assertTrue(cause.getMessage() != null && !cause.getMessage().isEmpty(), "the client is told why");
        }
        assertTrue(outcome.decoded().size() <= stream.length / 8, "each packet takes at least 8 bytes");
    }

    private static void checkPacket(Object packet) {
        assertInstanceOf(StartupPacket.class, packet);
        if (packet instanceof StartupMessage startup) {
            ByteBuf encoded = Unpooled.buffer();
            try {
                startup.encode(encoded);
                assertTrue(encoded.readableBytes() <= StartupPacketDecoder.MAX_STARTUP_PACKET_LENGTH,
                        "a decoded startup is no larger than the packet it came from");
                // what pgwarden sends on to a backend decodes to the same message
                encoded.skipBytes(4);
                int version = encoded.readInt();
                assertEquals(startup, StartupMessage.decode(version, encoded));
            } finally {
                encoded.release();
            }
        }
    }
}
