package io.pgwarden.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Renaming a statement in Parse, Bind and Describe keeps every other byte as the client sent it. */
class RenamingMessagesTest {

    private static final UnpooledByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    /** Bind portal "" statement "S_1", 1 text parameter "42", 1 result format (text). */
    private static final String BIND_S1 = "42" + "00000017" + "00" + "535f3100" + "0000" + "0001" + "00000002" + "3432" + "0001" + "0000";

    @Test
    void bindWithAnotherStatementKeepsTheParameters() {
        ByteBuf frame = shifted(BIND_S1);
        assertEquals("S_1", Bind.statement(frame));
        ByteBuf renamed = Bind.withStatement(ALLOC, frame, "pgwarden_s7");
        assertEquals("42" + "0000001f" + "00" + hex("pgwarden_s7") + "00" + "0000" + "0001" + "00000002" + "3432" + "0001" + "0000",
                ByteBufUtil.hexDump(renamed));
        renamed.release();
        assertEquals(0, frame.refCnt(), "the original goes with the renamed message");
    }

    @Test
    void bindOfANamedPortalKeepsThePortalName() {
        // portal "P1", statement "S_1", no parameters, no result formats
        ByteBuf frame = shifted("42" + "00000011" + "503100" + "535f3100" + "0000" + "0000" + "0000");
        assertEquals("S_1", Bind.statement(frame));
        ByteBuf renamed = Bind.withStatement(ALLOC, frame, "x");
        assertEquals("42" + "0000000f" + "503100" + "7800" + "0000" + "0000" + "0000", ByteBufUtil.hexDump(renamed));
        renamed.release();
    }

    @Test
    void parseUnderAnotherNameKeepsTheDefinition() {
        // Parse "S_1", "SELECT $1", one parameter of type int4 (23)
        ByteBuf frame = shifted("50" + "00000018" + "535f3100" + hex("SELECT $1") + "00" + "0001" + "00000017");
        Parse parse = Parse.decode(frame);
        assertEquals("S_1", parse.statement());
        assertEquals("SELECT $1", Parse.query(parse.definition()));
        ByteBuf renamed = Parse.encode(ALLOC, "p", parse.definition());
        assertEquals("50" + "00000016" + "7000" + hex("SELECT $1") + "00" + "0001" + "00000017", ByteBufUtil.hexDump(renamed));
        renamed.release();
        frame.release();
    }

    @Test
    void describeAndCloseRoundTrip() {
        ByteBuf frame = shifted("44" + "00000009" + "53" + "535f3100");
        Describe describe = Describe.decode(frame);
        assertEquals(new Describe(FrontendMessages.DESCRIBE, Describe.STATEMENT, "S_1"), describe);
        assertEquals("44" + "00000008" + "53" + "787900", ByteBufUtil.hexDump(describe.renamed("xy").encode(ALLOC)));
        assertEquals("43" + "00000007" + "53" + "7800", ByteBufUtil.hexDump(Describe.closeStatement("x").encode(ALLOC)));
        frame.release();
    }

    /** Found by FrontendMessagesFuzzTest (crash-close-without-kind): an IndexOutOfBoundsException, not 08P01. */
    @Test
    void describeOrCloseWithoutAKindIsAProtocolError() {
        ByteBuf frame = shifted("43" + "00000004");
        io.pgwarden.protocol.ProtocolException error =
                org.junit.jupiter.api.Assertions.assertThrows(io.pgwarden.protocol.ProtocolException.class, () -> Describe.decode(frame));
        assertEquals("no data left in message", error.getMessage());
        frame.release();
    }

    /** The message as the frame decoder hands it over: a pooled slice, behind two other bytes. */
    private static ByteBuf shifted(String hex) {
        ByteBuf read = io.netty.buffer.PooledByteBufAllocator.DEFAULT.buffer();
        read.writeBytes(new byte[] {7, 7}).writeBytes(ByteBufUtil.decodeHexDump(hex));
        ByteBuf frame = read.retainedSlice(2, read.readableBytes() - 2);
        read.release();
        return frame;
    }

    private static String hex(String text) {
        return ByteBufUtil.hexDump(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
