package io.pgwarden.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The SCRAM-SHA-256 primitives of RFC 5802 section 3, shared by verifiers and both sides. */
final class ScramFunctions {

    static final String MECHANISM = "SCRAM-SHA-256";
    static final String MECHANISM_PLUS = "SCRAM-SHA-256-PLUS";
    /** SHA-256 output: the length of every key, proof and signature. */
    static final int KEY_LENGTH = 32;
    /** PostgreSQL's defaults: {@code SCRAM_DEFAULT_SALT_LEN}, {@code scram_iterations}. */
    static final int DEFAULT_SALT_LENGTH = 16;
    static final int DEFAULT_ITERATIONS = 4096;
    /** PostgreSQL's {@code SCRAM_RAW_NONCE_LEN}: random bytes in each side's nonce. */
    private static final int RAW_NONCE_LENGTH = 18;

    private static final String HMAC = "HmacSHA256";
    private static final byte[] CLIENT_KEY = "Client Key".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SERVER_KEY = "Server Key".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private ScramFunctions() {
    }

    /** Hi(password, salt, iterations): PBKDF2 with HMAC-SHA-256 and one output block. */
    static byte[] saltedPassword(byte[] password, byte[] salt, int iterations) {
        Mac mac = hmacWithKey(password);
        mac.update(salt);
        mac.update(new byte[] {0, 0, 0, 1});
        byte[] previous = mac.doFinal();
        byte[] result = previous.clone();
        for (int i = 1; i < iterations; i++) {
            byte[] next = mac.doFinal(previous);
            xorInto(result, next);
            Arrays.fill(previous, (byte) 0);
            previous = next;
        }
        Arrays.fill(previous, (byte) 0);
        return result;
    }

    static byte[] clientKey(byte[] saltedPassword) {
        return hmac(saltedPassword, CLIENT_KEY);
    }

    static byte[] serverKey(byte[] saltedPassword) {
        return hmac(saltedPassword, SERVER_KEY);
    }

    static byte[] hmac(byte[] key, byte[] data) {
        return hmacWithKey(key).doFinal(data);
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    static byte[] xor(byte[] a, byte[] b) {
        byte[] result = a.clone();
        xorInto(result, b);
        return result;
    }

    /** AuthMessage = client-first-message-bare "," server-first-message "," client-final-message-without-proof. */
    static byte[] authMessage(byte[] clientFirstBare, byte[] serverFirst, byte[] clientFinalWithoutProof) {
        byte[] result = new byte[clientFirstBare.length + serverFirst.length + clientFinalWithoutProof.length + 2];
        int at = 0;
        System.arraycopy(clientFirstBare, 0, result, at, clientFirstBare.length);
        at += clientFirstBare.length;
        result[at++] = ',';
        System.arraycopy(serverFirst, 0, result, at, serverFirst.length);
        at += serverFirst.length;
        result[at++] = ',';
        System.arraycopy(clientFinalWithoutProof, 0, result, at, clientFinalWithoutProof.length);
        return result;
    }

    static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** A fresh nonce as PostgreSQL makes one: 18 random bytes, base64 (printable, no comma). */
    static String randomNonce() {
        return Base64.getEncoder().encodeToString(randomBytes(RAW_NONCE_LENGTH));
    }

    private static Mac hmacWithKey(byte[] key) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + HMAC, e);
        }
    }

    private static void xorInto(byte[] target, byte[] other) {
        for (int i = 0; i < target.length; i++) {
            target[i] ^= other[i];
        }
    }
}
