package io.pgwarden.protocol.frontend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.pgwarden.protocol.Frames;
import io.pgwarden.protocol.ProtocolException;

/**
 * Every frontend message pgwarden decodes (Parse, Bind, Describe, Close, SASLInitialResponse,
 * SASLResponse, PasswordMessage), with any body a client can send in a frame: a valid result that
 * survives pgwarden's own re-encoding, or a {@link ProtocolException} with a message (08P01).
 * Nothing else is thrown, and the frame is released exactly as the decoder's contract says.
 *
 * <p>Input: the body, then one trailing byte choosing the message.
 */
class FrontendMessagesFuzzTest {

    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private static final String RENAMED = "pgwarden_s1";

    private enum Message { PARSE, BIND, DESCRIBE, CLOSE, SASL_INITIAL_RESPONSE, SASL_RESPONSE, PASSWORD }

    @FuzzTest(maxDuration = "5s")
    void anyBodyDecodesOrIsAProtocolError(FuzzedDataProvider data) {
        Message message = data.pickValue(Message.values());
        byte[] body = data.consumeRemainingAsBytes();
        ByteBuf frame = frame(typeOf(message), body);
        try {
            decode(message, frame, body);
        } catch (ProtocolException e) {
            assertFalse(e.getMessage() == null || e.getMessage().isEmpty(), "the client is told why");
        } finally {
            assertEquals(1, frame.refCnt(), "the decoder kept or dropped a reference it does not own");
            frame.release();
        }
    }

    private static void decode(Message message, ByteBuf frame, byte[] body) {
        switch (message) {
            case PARSE -> parse(frame);
            case BIND -> bind(frame);
            case DESCRIBE, CLOSE -> describe(frame);
            case SASL_INITIAL_RESPONSE -> {
                SaslInitialResponse initial = SaslInitialResponse.decode(frame);
                assertTrue(initial.data().length <= body.length);
            }
            case SASL_RESPONSE -> assertArrayEquals(body, PasswordMessage.saslData(frame));
            case PASSWORD -> assertTrue(PasswordMessage.password(frame).length() < body.length, "the NUL is not part of it");
        }
    }

    private static void parse(ByteBuf frame) {
        Parse parse = Parse.decode(frame);
        ByteBuf reencoded = Parse.encode(ALLOC, RENAMED, parse.definition());
        try {
            Parse again = Parse.decode(reencoded);
            assertEquals(RENAMED, again.statement());
            assertEquals(ByteBufUtil.hexDump(parse.definition()), ByteBufUtil.hexDump(again.definition()),
                    "the definition goes on byte for byte");
        } finally {
            reencoded.release();
        }
        Parse.query(parse.definition()); // the query text, or a ProtocolException
    }

    private static void bind(ByteBuf frame) {
        Bind.statement(frame);
        ByteBuf renamed = Bind.withStatement(ALLOC, frame.retain(), RENAMED); // consumes that reference
        try {
            assertEquals(RENAMED, Bind.statement(renamed));
            assertEquals(renamed.readableBytes() - 1, renamed.getInt(renamed.readerIndex() + 1), "the length is rewritten");
        } finally {
            renamed.release();
        }
    }

    private static void describe(ByteBuf frame) {
        Describe describe = Describe.decode(frame);
        assertEquals(Frames.type(frame), describe.type());
        ByteBuf reencoded = describe.renamed(RENAMED).encode(ALLOC);
        try {
            assertEquals(describe.renamed(RENAMED), Describe.decode(reencoded));
        } finally {
            reencoded.release();
        }
    }

    private static byte typeOf(Message message) {
        return switch (message) {
            case PARSE -> FrontendMessages.PARSE;
            case BIND -> FrontendMessages.BIND;
            case DESCRIBE -> FrontendMessages.DESCRIBE;
            case CLOSE -> FrontendMessages.CLOSE;
            case SASL_INITIAL_RESPONSE, SASL_RESPONSE, PASSWORD -> FrontendMessages.PASSWORD;
        };
    }

    /** The frame MessageFrameDecoder would cut: type, length, body; pooled, at a non-zero offset. */
    private static ByteBuf frame(byte type, byte[] body) {
        ByteBuf frame = ALLOC.buffer(Frames.HEADER_LENGTH + body.length + 2).writeShort(0).skipBytes(2);
        frame.writeByte(type).writeInt(4 + body.length).writeBytes(body);
        return frame;
    }
}
