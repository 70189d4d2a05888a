package io.pgwarden.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** SASLprep as PostgreSQL's {@code pg_saslprep} does it; ScramVerifierCompatibilityIT checks more against a real server. */
class SaslPrepTest {

    @Test
    void leavesAsciiAsItIsEvenControlCharacters() {
        assertEquals("pencil", SaslPrep.prepare("pencil"));
        assertEquals("a\u0007b ", SaslPrep.prepare("a\u0007b "));
        assertEquals("", SaslPrep.prepare(""));
    }

    @Test
    void normalisesCompatibilityForms() {
        assertEquals("ABC", SaslPrep.prepare("\uff21\uff22\uff23"));
        assertEquals("\u00e4", SaslPrep.prepare("a\u0308"));
        assertEquals("IV", SaslPrep.prepare("\u2163"));
    }

    @Test
    void mapsNonAsciiSpacesAndDropsInvisibleCharacters() {
        assertEquals("\u00e9 x", SaslPrep.prepare("\u00e9\u00a0x"));
        assertEquals("\u00e9 x", SaslPrep.prepare("\u00e9\u200bx")); // in both tables: space wins
        assertEquals("\u00e9x", SaslPrep.prepare("\u00e9\u00adx\ufe0f"));
    }

    @Test
    void refusesWhatSaslPrepProhibitsSoTheRawBytesCount() {
        assertNull(SaslPrep.prepare("\u00e9\u0007"));         // control character beside non-ASCII
        assertNull(SaslPrep.prepare("\u00e9\ue000"));         // private use
        assertNull(SaslPrep.prepare("\u00e9\ud83d\ude00"));   // unassigned in Unicode 3.2
        assertNull(SaslPrep.prepare("\u00e9\u2705"));         // likewise, though in the BMP
        assertNull(SaslPrep.prepare("\u00e9\ud800"));         // unpaired surrogate
        assertNull(SaslPrep.prepare("\u00ad"));               // maps to nothing at all
        String raw = "\u00e9\ud83d\ude00\ufb01";
        assertArrayEquals(raw.getBytes(StandardCharsets.UTF_8), SaslPrep.passwordBytes(raw));
    }

    @Test
    void appliesTheBidiRules() {
        assertEquals("\u05d0\u05d1", SaslPrep.prepare("\u05d0\u05d1"));
        assertEquals("\u05d0 1 \u05d1", SaslPrep.prepare("\u05d0 1 \u05d1"));
        assertNull(SaslPrep.prepare("\u05d0a\u05d1"));   // right-to-left mixed with left-to-right
        assertNull(SaslPrep.prepare("\u05d0\u05d1 1"));  // does not end right-to-left
    }

    @Test
    void tablesAreUnicode32() {
        assertTrue(StringprepTable.UNASSIGNED_IN_UNICODE_3_2.contains(0x1F600));
        assertTrue(StringprepTable.UNASSIGNED_IN_UNICODE_3_2.contains(0x0221));
        assertFalse(StringprepTable.UNASSIGNED_IN_UNICODE_3_2.contains(0x2764));
        assertFalse(StringprepTable.UNASSIGNED_IN_UNICODE_3_2.contains('a'));
        assertTrue(StringprepTable.L_CAT.contains('A'));
        assertFalse(StringprepTable.L_CAT.contains('1'));
        assertTrue(StringprepTable.RAND_AL_CAT.contains(0x0627));
        assertTrue(StringprepTable.PROHIBITED_OUTPUT.contains(0x10FFFF));
        assertFalse(StringprepTable.PROHIBITED_OUTPUT.contains(0x10FFFF + 1));
    }
}
