package io.pgwarden.auth;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;

/**
 * SASLprep (RFC 4013) of a password, with PostgreSQL's fallback ({@code pg_saslprep} and its
 * callers): when SASLprep rejects the password, the raw bytes are used instead of failing. Both
 * sides of SCRAM must agree on these bytes, so this follows PostgreSQL rather than the RFC where
 * they differ:
 * <ul>
 *   <li>pure ASCII passwords are used as they are (even with control characters);</li>
 *   <li>the prohibited-character and bidirectional checks run on the mapped input, before
 *       normalisation;</li>
 *   <li>a password that maps to nothing is rejected (so its raw bytes are used).</li>
 * </ul>
 *
 * <p>Known gaps: PostgreSQL also falls back to raw bytes for input that is not valid UTF-8; a Java
 * {@code String} cannot carry such bytes, so a password configured here is always its UTF-8
 * encoding (an unpaired surrogate is prohibited, and then encoded as {@code ?}). NFKC comes from
 * the JDK's Unicode version and PostgreSQL's from its own; they agree on every character assigned
 * in Unicode 3.2, and later characters are prohibited before normalisation matters.
 */
final class SaslPrep {

    private SaslPrep() {
    }

    /** The bytes that SCRAM's Hi() takes as the key for {@code password}. */
    static byte[] passwordBytes(String password) {
        String prepared = prepare(password);
        return (prepared != null ? prepared : password).getBytes(StandardCharsets.UTF_8);
    }

    /** The SASLprep form of {@code password}, or {@code null} when SASLprep rejects it. */
    static String prepare(String password) {
        if (isAscii(password)) {
            return password;
        }
        int[] mapped = map(password);
        if (mapped.length == 0 || !allowed(mapped) || !bidiAcceptable(mapped)) {
            return null;
        }
        return Normalizer.normalize(new String(mapped, 0, mapped.length), Normalizer.Form.NFKC);
    }

    private static boolean isAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** Step 1: non-ASCII spaces become spaces, "commonly mapped to nothing" characters go. */
    private static int[] map(String text) {
        return text.codePoints()
                .filter(c -> !StringprepTable.MAPPED_TO_NOTHING.contains(c)
                        || StringprepTable.NON_ASCII_SPACE.contains(c)) // U+200B is in both: space wins
                .map(c -> StringprepTable.NON_ASCII_SPACE.contains(c) ? ' ' : c)
                .toArray();
    }

    /** Step 3, on the mapped input as PostgreSQL does it. */
    private static boolean allowed(int[] codePoints) {
        for (int c : codePoints) {
            if (StringprepTable.PROHIBITED_OUTPUT.contains(c)
                    || StringprepTable.UNASSIGNED_IN_UNICODE_3_2.contains(c)) {
                return false;
            }
        }
        return true;
    }

    /** Step 4 (RFC 3454 section 6): right-to-left text must not mix with left-to-right text. */
    private static boolean bidiAcceptable(int[] codePoints) {
        boolean anyRightToLeft = false;
        for (int c : codePoints) {
            anyRightToLeft |= StringprepTable.RAND_AL_CAT.contains(c);
        }
        if (!anyRightToLeft) {
            return true;
        }
        for (int c : codePoints) {
            if (StringprepTable.L_CAT.contains(c)) {
                return false;
            }
        }
        return StringprepTable.RAND_AL_CAT.contains(codePoints[0])
                && StringprepTable.RAND_AL_CAT.contains(codePoints[codePoints.length - 1]);
    }
}
