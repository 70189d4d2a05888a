package io.pgwarden.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

import java.nio.charset.StandardCharsets;

/**
 * A few ASCII words looked for anywhere in a query's text, case-insensitively: a cheap scan that
 * leans towards false alarms (a column named {@code role}) rather than misses (a word behind a
 * comment or another statement). {@link ByteBuf#forEachByte} skips every byte no word can start
 * with, without a check per byte: a 4 MB query must not hold the event loop. Allocates nothing.
 */
final class SqlWords {

    /** May change who the session acts as: SET ROLE, SET SESSION AUTHORIZATION, set_config('role', ...). */
    static final SqlWords IDENTITY_CHANGES = new SqlWords("role", "authorization", "set_config");

    private final byte[][] words;
    private final boolean[] startsAWord = new boolean[128];
    /** For each first letter, the indexes of the words that start with it: a candidate is compared with those only. */
    private final int[][] byFirstLetter = new int[128][];
    /** Stops at the bytes a word can start with; one per instance, so scans allocate nothing. */
    private final ByteProcessor notAFirstLetter;

    SqlWords(String... words) {
        this.words = new byte[words.length][];
        for (int i = 0; i < words.length; i++) {
            this.words[i] = words[i].getBytes(StandardCharsets.US_ASCII);
            startsAWord[this.words[i][0]] = true;
        }
        for (int c = 0; c < 128; c++) {
            int letter = c;
            byFirstLetter[c] = java.util.stream.IntStream.range(0, words.length).filter(i -> this.words[i][0] == letter).toArray();
        }
        notAFirstLetter = b -> {
            int c = lowerCase(b);
            return c < 0 || !startsAWord[c];
        };
    }

    /** True when one of the words appears in {@code [from, to)}. */
    boolean foundIn(ByteBuf text, int from, int to) {
        int i = from;
        while (i < to) {
            int at = text.forEachByte(i, to - i, notAFirstLetter);
            if (at < 0) {
                return false;
            }
            for (byte[] word : words) {
                if (matches(text, at, to, word)) {
                    return true;
                }
            }
            i = at + 1;
        }
        return false;
    }

    /** The words that appear in {@code [from, to)}: bit {@code i} for the {@code i}-th word of the constructor. */
    int wordsIn(ByteBuf text, int from, int to) {
        int all = (1 << words.length) - 1;
        int found = 0;
        int i = from;
        while (i < to && found != all) {
            int at = text.forEachByte(i, to - i, notAFirstLetter);
            if (at < 0) {
                break;
            }
            for (int w : byFirstLetter[lowerCase(text.getByte(at))]) {
                if (matches(text, at, to, words[w])) {
                    found |= 1 << w;
                }
            }
            i = at + 1;
        }
        return found;
    }

    private static int lowerCase(byte b) {
        return b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b;
    }

    private static boolean matches(ByteBuf text, int at, int to, byte[] word) {
        if (to - at < word.length) {
            return false;
        }
        for (int k = 0; k < word.length; k++) {
            if (lowerCase(text.getByte(at + k)) != word[k]) {
                return false;
            }
        }
        return true;
    }
}
