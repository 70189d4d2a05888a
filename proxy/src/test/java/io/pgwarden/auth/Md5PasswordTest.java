package io.pgwarden.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Md5PasswordTest {

    private static final String STORED = "md53175bce1d3201d16594cebf9d7eb3f9d"; // postgres / postgres
    private static final byte[] SALT = {1, 2, 3, 4};
    private static final String RESPONSE = "md568be9ed08db75f318087ab337aaea044"; // md5(hex + SALT)

    @Test
    void hashesAsPgAuthidStores() {
        assertEquals(STORED, Md5Password.hash("postgres", "postgres"));
    }

    @Test
    void answersTheChallengeFromThePasswordOrTheStoredHash() {
        assertEquals(RESPONSE, Md5Password.response("postgres", "postgres", SALT));
        assertEquals(RESPONSE, Md5Password.response(STORED, "postgres", SALT));
        assertEquals("md58ee245854025535aedb7b15709315318",
                Md5Password.response("postgres", "postgres", new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef}));
    }

    @Test
    void verifiesAgainstThePasswordOrTheStoredHash() {
        assertTrue(Md5Password.verify("postgres", "postgres", SALT, RESPONSE));
        assertTrue(Md5Password.verify(STORED, "postgres", SALT, RESPONSE));
        assertFalse(Md5Password.verify(STORED, "postgres", new byte[] {1, 2, 3, 5}, RESPONSE));
        assertFalse(Md5Password.verify("other", "postgres", SALT, RESPONSE));
        assertFalse(Md5Password.verify(STORED, "postgres", SALT, RESPONSE.toUpperCase()));
        assertFalse(Md5Password.verify(STORED, "postgres", SALT, ""));
    }

    @Test
    void refusesASaltThatIsNotFourBytes() {
        assertThrows(IllegalArgumentException.class, () -> Md5Password.response("postgres", "postgres", new byte[3]));
    }

    @Test
    void aScramVerifierCannotCheckMd5() {
        String verifier = ScramVerifier.fromPassword("postgres").encode();
        assertThrows(IllegalArgumentException.class, () -> Md5Password.verify(verifier, "postgres", SALT, RESPONSE));
    }

    @Test
    void recognisesStoredHashesAsPostgresDoes() {
        assertTrue(Md5Password.isHash(STORED));
        assertFalse(Md5Password.isHash("md5" + "3175BCE1D3201D16594CEBF9D7EB3F9D"));
        assertFalse(Md5Password.isHash("md53175bce1d3201d16594cebf9d7eb3f9"));
        assertFalse(Md5Password.isHash("md53175bce1d3201d16594cebf9d7eb3f9dx"));
        assertFalse(Md5Password.isHash("md5zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"));
    }
}
