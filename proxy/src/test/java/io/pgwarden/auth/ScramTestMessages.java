package io.pgwarden.auth;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Builds SCRAM messages by hand, for the cases {@link ScramClientExchange} never sends. */
final class ScramTestMessages {

    private ScramTestMessages() {
    }

    static byte[] ascii(String text) {
        return text.getBytes(US_ASCII);
    }

    static String text(byte[] message) {
        return new String(message, StandardCharsets.UTF_8);
    }

    /** The server nonce of a server-first-message ({@code r=...,s=...,i=...}). */
    static String nonceOf(byte[] serverFirst) {
        String text = text(serverFirst);
        return text.substring(2, text.indexOf(','));
    }

    static String saltOf(byte[] serverFirst) {
        String text = text(serverFirst);
        int start = text.indexOf(",s=") + 3;
        return text.substring(start, text.indexOf(',', start));
    }

    /** A client-final-message: {@code withoutProof} plus the proof that {@code password} gives. */
    static byte[] clientFinal(String password, String clientFirstBare, byte[] serverFirst, String withoutProof) {
        String[] attributes = text(serverFirst).split(",");
        byte[] salt = Base64.getDecoder().decode(attributes[1].substring(2));
        int iterations = Integer.parseInt(attributes[2].substring(2));
        byte[] saltedPassword = ScramFunctions.saltedPassword(SaslPrep.passwordBytes(password), salt, iterations);
        byte[] clientKey = ScramFunctions.clientKey(saltedPassword);
        byte[] authMessage = ScramFunctions.authMessage(ascii(clientFirstBare), serverFirst, ascii(withoutProof));
        byte[] proof = ScramFunctions.xor(clientKey, ScramFunctions.hmac(ScramFunctions.sha256(clientKey), authMessage));
        return ascii(withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof));
    }
}
