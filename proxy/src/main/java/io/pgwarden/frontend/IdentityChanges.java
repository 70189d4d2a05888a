package io.pgwarden.frontend;

import io.netty.buffer.ByteBuf;

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

    /** True when the text in {@code [from, to)} may change the session's role; reads bytes, allocates nothing. */
    static boolean mayChangeIdentity(ByteBuf text, int from, int to) {
        for (int i = from; i < to; i++) {
            int c = lowerCase(text.getByte(i));
            if (c == 'r' && matches(text, i, to, ROLE)
                    || c == 'a' && matches(text, i, to, AUTHORIZATION)
                    || c == 's' && matches(text, i, to, SET_CONFIG)) {
                return true;
            }
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
