package io.pgwarden.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PasswordFormTest {

    // Made with PBKDF2-HMAC-SHA256, 4096 iterations; PostgreSQL 17 accepted it for a login.
    static final String VERIFIER = "SCRAM-SHA-256$4096:/kuJO/1qn9zxqiM2/H9k8g==$"
            + "Szo2XMm2i081yYVNFNRtn1oVlITr6udqQkXcOIqVBnY=:X18rjmk4xQ6kBlHGsUOT9oaWI+lgKpg+DisKhVdqkJM=";

    @Test
    void recognisesEachForm() {
        assertEquals(PasswordForm.SCRAM_VERIFIER, PasswordForm.of(VERIFIER));
        assertEquals(PasswordForm.MD5_HASH, PasswordForm.of("md57f517c88bef6076ef5bf84e016fc0d22"));
        assertEquals(PasswordForm.PLAIN, PasswordForm.of("orders-pass"));
        assertEquals(PasswordForm.PLAIN, PasswordForm.of("md5-but-not-a-hash"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SCRAM-SHA-256$",
            "SCRAM-SHA-256$4096:c2FsdA==",
            "SCRAM-SHA-256$0:c2FsdA==$Szo2XMm2i081yYVNFNRtn1oVlITr6udqQkXcOIqVBnY=:X18rjmk4xQ6kBlHGsUOT9oaWI+lgKpg+DisKhVdqkJM=",
            "SCRAM-SHA-256$4096:c2FsdA==$c2hvcnQ=:c2hvcnQ=",
            "SCRAM-SHA-256$4096:not*base64$Szo2XMm2i081yYVNFNRtn1oVlITr6udqQkXcOIqVBnY=:X18rjmk4xQ6kBlHGsUOT9oaWI+lgKpg+DisKhVdqkJM=",
            "SCRAM-SHA-256$many:c2FsdA==$Szo2XMm2i081yYVNFNRtn1oVlITr6udqQkXcOIqVBnY=:X18rjmk4xQ6kBlHGsUOT9oaWI+lgKpg+DisKhVdqkJM="})
    void malformedVerifiers(String password) {
        assertEquals(PasswordForm.MALFORMED_SCRAM_VERIFIER, PasswordForm.of(password));
    }
}
