package io.pgwarden.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.pgwarden.RawPgClient;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Which Executes of the unnamed portal go to PostgreSQL under the stand-in name, and what it looks like. */
class UnnamedPortalGuardTest {

    private final UnnamedPortalGuard guard = new UnnamedPortalGuard();

    private ByteBuf screen(byte[] message) {
        ByteBuf frame = Unpooled.wrappedBuffer(message);
        ByteBuf out = guard.screen(frame, ByteBufAllocator.DEFAULT);
        if (out == frame) {
            assertEquals(1, frame.refCnt(), "forwarded as it is");
        } else {
            assertEquals(0, frame.refCnt(), "the original is released");
        }
        return out;
    }

    private static byte[] bytes(ByteBuf frame) {
        byte[] bytes = new byte[frame.readableBytes()];
        frame.getBytes(frame.readerIndex(), bytes);
        return bytes;
    }

    private static byte[] execute(String portal, int maxRows) {
        byte[] name = RawPgClient.cString(portal);
        byte[] body = new byte[name.length + 4];
        System.arraycopy(name, 0, body, 0, name.length);
        body[name.length + 3] = (byte) maxRows;
        return RawPgClient.typed('E', body);
    }

    private static byte[] bindPortal(String portal) {
        byte[] name = RawPgClient.cString(portal);
        byte[] body = new byte[name.length + 7];
        System.arraycopy(name, 0, body, 0, name.length);
        return RawPgClient.typed('B', body); // statement "", no formats, no parameters, no result formats
    }

    @Test
    void anExecuteOfTheUnnamedPortalAfterASimpleQueryGoesUnderTheStandInWithItsRowLimit() {
        screen(RawPgClient.typed('Q', RawPgClient.cString("select 1")));
        assertArrayEquals(execute(UnnamedPortalGuard.STAND_IN, 7), bytes(screen(execute("", 7))));
    }

    @Test
    void beforeAnyBindTheUnnamedPortalDoesNotExistEither() {
        assertArrayEquals(execute(UnnamedPortalGuard.STAND_IN, 0), bytes(screen(execute("", 0))));
    }

    @Test
    void aBindOfTheUnnamedPortalLetsItsExecutesThroughUntilTheNextQuery() {
        ByteBuf bind = Unpooled.wrappedBuffer(bindPortal(""));
        assertSame(bind, guard.screen(bind, ByteBufAllocator.DEFAULT));
        ByteBuf first = Unpooled.wrappedBuffer(execute("", 10));
        assertSame(first, guard.screen(first, ByteBufAllocator.DEFAULT));
        ByteBuf more = Unpooled.wrappedBuffer(execute("", 10));
        assertSame(more, guard.screen(more, ByteBufAllocator.DEFAULT), "a suspended portal runs on");
        screen(RawPgClient.typed('Q', RawPgClient.cString("select 1")));
        assertArrayEquals(execute(UnnamedPortalGuard.STAND_IN, 10), bytes(screen(execute("", 10))));
    }

    @Test
    void namedPortalsAndMalformedExecutesAreForwardedAsTheyAre() {
        screen(bindPortal("p1"));
        ByteBuf named = Unpooled.wrappedBuffer(execute("p1", 0));
        assertSame(named, guard.screen(named, ByteBufAllocator.DEFAULT));
        ByteBuf empty = Unpooled.wrappedBuffer(RawPgClient.typed('E', new byte[0]));
        assertSame(empty, guard.screen(empty, ByteBufAllocator.DEFAULT), "PostgreSQL's 08P01 for it");
    }
}
