package io.pgwarden.frontend;

import io.pgwarden.config.LimitsConfig;
import io.pgwarden.metrics.LoginRefusal;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PendingLoginsTest {

    private static final InetAddress FLOODER = address(10, 0, 0, 1);
    private static final InetAddress OTHER = address(10, 0, 0, 2);
    private static final InetAddress THIRD = address(10, 0, 0, 3);

    private static InetAddress address(int... bytes) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) bytes[0], (byte) bytes[1], (byte) bytes[2], (byte) bytes[3]});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static LoginRefusal refusedAs(Optional<PendingLogins.Refusal> decision) {
        return decision.orElseThrow(() -> new AssertionError("admitted")).limit();
    }

    @Test
    void oneAddressIsCappedAndOthersStillGetIn() {
        PendingLogins books = new PendingLogins(new LimitsConfig(0, 5, 2));
        assertTrue(books.enter(FLOODER).isEmpty());
        assertTrue(books.enter(FLOODER).isEmpty());
        assertEquals(LoginRefusal.MAX_PENDING_LOGINS_PER_ADDRESS, refusedAs(books.enter(FLOODER)));
        assertEquals(2, books.from(FLOODER), "a refusal is not counted");
        assertTrue(books.enter(OTHER).isEmpty());
        assertEquals(3, books.total());
    }

    @Test
    void theOverallCapComesFirstAndFreesAsLoginsEnd() {
        PendingLogins books = new PendingLogins(new LimitsConfig(0, 3, 2));
        books.enter(FLOODER);
        books.enter(FLOODER);
        books.enter(OTHER);
        assertEquals(LoginRefusal.MAX_PENDING_LOGINS, refusedAs(books.enter(THIRD)));
        assertEquals(LoginRefusal.MAX_PENDING_LOGINS, refusedAs(books.enter(FLOODER)), "over both: the overall one is named");
        books.leave(FLOODER);
        assertTrue(books.enter(THIRD).isEmpty());
        assertEquals(1, books.from(FLOODER));
        books.leave(FLOODER);
        assertEquals(0, books.from(FLOODER));
        assertTrue(books.enter(FLOODER).isEmpty());
    }

    @Test
    void refusalsAreNumberedSoTheLogCanSayOneLineInMany() {
        PendingLogins books = new PendingLogins(new LimitsConfig(0, 1, 1));
        books.enter(FLOODER);
        assertEquals(1, books.enter(OTHER).orElseThrow().refusedSoFar());
        assertEquals(2, books.enter(FLOODER).orElseThrow().refusedSoFar());
    }

    @Test
    void zeroMeansNoLimit() {
        PendingLogins books = new PendingLogins(new LimitsConfig(0, 0, 0));
        for (int i = 0; i < 10_000; i++) {
            assertTrue(books.enter(FLOODER).isEmpty());
        }
        assertEquals(10_000, books.total());
    }
}
