package io.pgwarden.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

/**
 * Statements that may change who a server session acts as ({@code SET ROLE}, {@code SET SESSION
 * AUTHORIZATION}, {@code set_config('role', ...)}), found by a cheap scan of the query text for
 * "role", "authorization" or "set_config" anywhere in it. A false alarm (a column named role) costs
 * one RESET sent ahead of the next client's transaction, with no round trip of its own; a miss would
 * hand the next client another identity, so the scan leans towards alarm. A role changed inside a
 * function's body is not seen (see the README).
 */
final class IdentityChanges {

    private static final byte[] ROLE = {'r', 'o', 'l', 'e'};
    private static final byte[] AUTHORIZATION = {'a', 'u', 't', 'h', 'o', 'r', 'i', 'z', 'a', 't', 'i', 'o', 'n'};
    private static final byte[] SET_CONFIG = {'s', 'e', 't', '_', 'c', 'o', 'n', 'f', 'i', 'g'};

    private IdentityChanges() {
    }

    /** Stops at the bytes a watched word can start with; stateless, so one serves every scan. */
    private static final ByteProcessor NOT_A_FIRST_LETTER = b -> {
        int c = lowerCase(b);
        return c != 'r' && c != 'a' && c != 's';
    };

    /**
     * True when the text in {@code [from, to)} may change the session's role; reads bytes, allocates
     * nothing. {@link ByteBuf#forEachByte} skips the other bytes without a check per byte: a 4 MB
     * query must not hold the event loop.
     */
    static boolean mayChangeIdentity(ByteBuf text, int from, int to) {
        int i = from;
        while (i < to) {
            int at = text.forEachByte(i, to - i, NOT_A_FIRST_LETTER);
            if (at < 0) {
                return false;
            }
            int c = lowerCase(text.getByte(at));
            if (c == 'r' && matches(text, at, to, ROLE)
                    || c == 'a' && matches(text, at, to, AUTHORIZATION)
                    || c == 's' && matches(text, at, to, SET_CONFIG)) {
                return true;
            }
            i = at + 1;
        }
        return false;
    }

    private static int lowerCase(byte b) {
        return b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b;
    }

    private static boolean matches(ByteBuf text, int at, int to, byte[] word) {
        if (to - at < word.length) {
            return false;
        }
        for (int k = 1; k < word.length; k++) {
            if (lowerCase(text.getByte(at + k)) != word[k]) {
                return false;
            }
        }
        return true;
    }
}
