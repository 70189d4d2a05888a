package io.pgwarden.auth;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * What a server keeps to check a SCRAM-SHA-256 password without knowing it, in PostgreSQL's
 * {@code pg_authid} form {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}.
 *
 * <p>StoredKey and ServerKey are secrets (with them one can pose as a client or as the server), so
 * {@link #toString()} and every exception message leave them out. The arrays are copied in and out.
 *
 * @param iterations the PBKDF2 round count, at least 1
 * @param salt       the salt, not empty
 * @param storedKey  H(ClientKey), 32 bytes
 * @param serverKey  HMAC(SaltedPassword, "Server Key"), 32 bytes
 */
public record ScramVerifier(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {

    private static final String PREFIX = ScramFunctions.MECHANISM + "$";
    private static final String FORMAT = PREFIX + "<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>";

    public ScramVerifier {
        if (iterations < 1) {
            throw new IllegalArgumentException("SCRAM iterations must be at least 1");
        }
        salt = requireLength(salt, "salt", -1);
        storedKey = requireLength(storedKey, "StoredKey", ScramFunctions.KEY_LENGTH);
        serverKey = requireLength(serverKey, "ServerKey", ScramFunctions.KEY_LENGTH);
    }

    /**
     * Parses PostgreSQL's form. Unlike PostgreSQL, which would take a malformed verifier for a
     * plain password, this throws, naming the faulty part but never echoing the input.
     *
     * @throws IllegalArgumentException if {@code text} is not a well-formed SCRAM-SHA-256 verifier
     */
    public static ScramVerifier parse(String text) {
        Objects.requireNonNull(text, "text");
        if (!isVerifier(text)) {
            throw new IllegalArgumentException("not a SCRAM-SHA-256 verifier: expected " + FORMAT);
        }
        String[] halves = text.substring(PREFIX.length()).split("\\$", -1);
        if (halves.length != 2) {
            throw new IllegalArgumentException("malformed SCRAM-SHA-256 verifier: expected " + FORMAT);
        }
        String[] parameters = pair(halves[0], "<iterations>:<salt>");
        String[] keys = pair(halves[1], "<StoredKey>:<ServerKey>");
        return new ScramVerifier(
                parseIterations(parameters[0]),
                decode(parameters[1], "salt"),
                decode(keys[0], "StoredKey"),
                decode(keys[1], "ServerKey"));
    }

    /** Whether {@code text} claims to be a verifier (starts with {@code SCRAM-SHA-256$}). */
    public static boolean isVerifier(String text) {
        return text.startsWith(PREFIX);
    }

    /** A verifier for {@code password} with a random 16-byte salt and 4096 iterations, as PostgreSQL makes one. */
    public static ScramVerifier fromPassword(String password) {
        return fromPassword(password, ScramFunctions.randomBytes(ScramFunctions.DEFAULT_SALT_LENGTH),
                ScramFunctions.DEFAULT_ITERATIONS);
    }

    /**
     * A verifier for {@code password} (after SASLprep, see {@link SaslPrep}) with the given salt
     * and iteration count.
     *
     * @throws IllegalArgumentException if the password is empty (PostgreSQL refuses those too)
     */
    public static ScramVerifier fromPassword(String password, byte[] salt, int iterations) {
        Objects.requireNonNull(password, "password");
        if (password.isEmpty()) {
            throw new IllegalArgumentException("an empty password cannot be used for SCRAM");
        }
        if (iterations < 1) {
            throw new IllegalArgumentException("SCRAM iterations must be at least 1");
        }
        requireLength(salt, "salt", -1); // before the costly part
        byte[] passwordBytes = SaslPrep.passwordBytes(password);
        byte[] saltedPassword = ScramFunctions.saltedPassword(passwordBytes, salt, iterations);
        byte[] clientKey = ScramFunctions.clientKey(saltedPassword);
        try {
            return new ScramVerifier(iterations, salt, ScramFunctions.sha256(clientKey),
                    ScramFunctions.serverKey(saltedPassword));
        } finally {
            Arrays.fill(passwordBytes, (byte) 0);
            Arrays.fill(saltedPassword, (byte) 0);
            Arrays.fill(clientKey, (byte) 0);
        }
    }

    /**
     * The verifier for a service's configured password: parsed if it is a verifier, derived with
     * a fresh random salt if it is plain. Call it once per service and keep the result, so that a
     * client sees the same salt on every attempt.
     *
     * @throws IllegalArgumentException if it is a malformed verifier, or an md5 hash (which cannot
     *                                  answer SCRAM)
     */
    public static ScramVerifier forConfiguredPassword(String passwordOrVerifier) {
        if (isVerifier(passwordOrVerifier)) {
            return parse(passwordOrVerifier);
        }
        if (Md5Password.isHash(passwordOrVerifier)) {
            throw new IllegalArgumentException(
                    "an md5 password hash cannot be used for SCRAM: configure the plain password or a SCRAM-SHA-256 verifier");
        }
        return fromPassword(passwordOrVerifier);
    }

    /** PostgreSQL's form, {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}. */
    public String encode() {
        Base64.Encoder base64 = Base64.getEncoder();
        return PREFIX + iterations + ":" + base64.encodeToString(salt) + "$"
                + base64.encodeToString(storedKey) + ":" + base64.encodeToString(serverKey);
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] storedKey() {
        return storedKey.clone();
    }

    @Override
    public byte[] serverKey() {
        return serverKey.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ScramVerifier that
                && iterations == that.iterations
                && Arrays.equals(salt, that.salt)
                && MessageDigest.isEqual(storedKey, that.storedKey)
                && MessageDigest.isEqual(serverKey, that.serverKey);
    }

    @Override
    public int hashCode() {
        // Salt and iterations only: a hash code must not leak the keys either.
        return 31 * iterations + Arrays.hashCode(salt);
    }

    /** Iterations and salt only; the keys are secrets. */
    @Override
    public String toString() {
        return "ScramVerifier[iterations=" + iterations + ", salt=" + Base64.getEncoder().encodeToString(salt)
                + ", keys=<redacted>]";
    }

    private static byte[] requireLength(byte[] bytes, String name, int length) {
        Objects.requireNonNull(bytes, name);
        if (length < 0 ? bytes.length == 0 : bytes.length != length) {
            throw new IllegalArgumentException("SCRAM " + name + " must be "
                    + (length < 0 ? "non-empty" : length + " bytes") + ", not " + bytes.length);
        }
        return bytes.clone();
    }

    private static String[] pair(String text, String expected) {
        String[] parts = text.split(":", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException("malformed SCRAM-SHA-256 verifier: expected " + expected
                    + " in " + FORMAT);
        }
        return parts;
    }

    private static int parseIterations(String text) {
        if (!text.matches("[0-9]{1,9}")) {
            throw new IllegalArgumentException("malformed SCRAM-SHA-256 verifier: iterations must be a positive number");
        }
        return Integer.parseInt(text);
    }

    private static byte[] decode(String base64, String name) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed SCRAM-SHA-256 verifier: the " + name + " is not valid base64");
        }
    }
}
