package io.pgwarden.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.pgwarden.protocol.TransactionStatus;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Exact bytes of the backend messages pgwarden writes, and decoding at a non-zero offset. */
class BackendMessagesTest {

    private static final UnpooledByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    @Test
    void errorResponseBytes() {
        ByteBuf out = ErrorResponse.of("FATAL", "28P01", "no").encode(ALLOC);
        assertEquals("45000000" + "1e" + "5346415441 4c00".replace(" ", "") + "5646415441 4c00".replace(" ", "")
                + "43323850303100" + "4d6e6f00" + "00", ByteBufUtil.hexDump(out));
        ErrorResponse decoded = ErrorResponse.decode(atOffset(out));
        assertEquals("28P01", decoded.sqlState());
        assertEquals("no", decoded.message());
        assertEquals("FATAL", decoded.severity());
    }

    @Test
    void parameterStatusRoundTrip() {
        ByteBuf out = new ParameterStatus("TimeZone", "UTC").encode(ALLOC);
        assertEquals("530000001154696d655a6f6e65005554430" + "0", ByteBufUtil.hexDump(out));
        assertEquals(new ParameterStatus("TimeZone", "UTC"), ParameterStatus.decode(atOffset(out)));
    }

    @Test
    void backendKeyDataRoundTrip() {
        ByteBuf out = new BackendKeyData(4242, -7).encode(ALLOC);
        assertEquals("4b0000000c00001092fffffff9", ByteBufUtil.hexDump(out));
        assertEquals(new BackendKeyData(4242, -7), BackendKeyData.decode(atOffset(out)));
    }

    @Test
    void readyForQueryBytes() {
        ByteBuf out = ReadyForQuery.encode(ALLOC, TransactionStatus.FAILED);
        assertEquals("5a0000000545", ByteBufUtil.hexDump(out));
        assertEquals(TransactionStatus.FAILED, ReadyForQuery.status(atOffset(out)));
    }

    @Test
    void authenticationRequests() {
        assertEquals("520000000800000000", ByteBufUtil.hexDump(Authentication.ok(ALLOC)));
        assertEquals("520000000c0000000501020304", ByteBufUtil.hexDump(Authentication.md5Password(ALLOC, new byte[] {1, 2, 3, 4})));
        ByteBuf sasl = Authentication.sasl(ALLOC, "SCRAM-SHA-256");
        assertEquals("52000000170000000a5343524 14d2d5348412d323536000" .replace(" ", "") + "0", ByteBufUtil.hexDump(sasl));
        Authentication decoded = Authentication.decode(atOffset(sasl));
        assertEquals(Authentication.SASL, decoded.code());
        assertEquals(List.of("SCRAM-SHA-256"), decoded.mechanisms());
        Authentication cont = Authentication.decode(atOffset(Authentication.saslContinue(ALLOC, new byte[] {'r', '='})));
        assertEquals(Authentication.SASL_CONTINUE, cont.code());
        assertArrayEquals(new byte[] {'r', '='}, cont.data());
    }

    @Test
    void negotiateProtocolVersionBytes() {
        ByteBuf out = new NegotiateProtocolVersion(0, List.of("_pq_.x")).encode(ALLOC);
        assertEquals("76000000" + "13" + "00030000" + "00000001" + "5f70715f2e7800", ByteBufUtil.hexDump(out));
    }

    /** The same bytes behind three others, so decoders must respect readerIndex. */
    private static ByteBuf atOffset(ByteBuf message) {
        ByteBuf shifted = Unpooled.buffer().writeBytes(new byte[] {1, 2, 3}).writeBytes(message);
        message.release();
        return shifted.skipBytes(3);
    }
}
