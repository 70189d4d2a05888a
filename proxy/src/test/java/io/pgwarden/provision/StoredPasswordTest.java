package io.pgwarden.provision;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgwarden.auth.Md5Password;
import io.pgwarden.auth.ScramVerifier;
import org.junit.jupiter.api.Test;

class StoredPasswordTest {

    @Test
    void scramVerifierMatchesOnlyItsPassword() {
        String stored = ScramVerifier.fromPassword("orders-secret").encode();

        assertTrue(StoredPassword.matches(stored, "orders_owner", "orders-secret"));
        assertFalse(StoredPassword.matches(stored, "orders_owner", "orders-secret2"));
        assertFalse(StoredPassword.matches(stored, "orders_owner", ""));
    }

    @Test
    void md5HashIsSaltedWithTheRoleName() {
        String stored = Md5Password.hash("orders-secret", "orders_owner");

        assertTrue(StoredPassword.matches(stored, "orders_owner", "orders-secret"));
        assertFalse(StoredPassword.matches(stored, "users_owner", "orders-secret"));
    }

    @Test
    void noStoredPasswordMatchesOnlyAnEmptyOne() {
        assertTrue(StoredPassword.matches(null, "open_owner", ""));
        assertFalse(StoredPassword.matches(null, "open_owner", "secret"));
    }

    @Test
    void somethingUnrecognisedNeverMatches() {
        assertFalse(StoredPassword.matches("SCRAM-SHA-256$broken", "r", "secret"));
        assertFalse(StoredPassword.matches("secret", "r", "secret"));
    }
}
