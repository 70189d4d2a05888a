package io.pgwarden.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Objects;

/**
 * PostgreSQL's md5 password scheme, for both directions: the stored hash is
 * {@code "md5" + hex(md5(password + user))}, and the answer to an AuthenticationMD5Password
 * challenge is {@code "md5" + hex(md5(hex-of-stored-hash + salt))}. No SASLprep: PostgreSQL hashes
 * the bytes as they are (UTF-8 here).
 */
public final class Md5Password {

    private static final String PREFIX = "md5";
    private static final int HASH_LENGTH = PREFIX.length() + 32;
    private static final int SALT_LENGTH = 4;

    private Md5Password() {
    }

    /** What {@code pg_authid} stores for {@code password} of {@code user}. */
    public static String hash(String password, String user) {
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(user, "user");
        return PREFIX + md5Hex(utf8(password + user));
    }

    /**
     * What a client sends in its PasswordMessage (without the terminating zero byte).
     *
     * @param passwordOrStoredHash a plain password, or a stored hash ({@link #isHash(String)}),
     *                             which is used as it is, so a stored hash logs in like its password
     * @param salt                 the 4 bytes of the server's challenge
     */
    public static String response(String passwordOrStoredHash, String user, byte[] salt) {
        Objects.requireNonNull(passwordOrStoredHash, "passwordOrStoredHash");
        if (salt.length != SALT_LENGTH) {
            throw new IllegalArgumentException("an md5 salt has 4 bytes, not " + salt.length);
        }
        String storedHash = isHash(passwordOrStoredHash) ? passwordOrStoredHash : hash(passwordOrStoredHash, user);
        byte[] hexPart = storedHash.substring(PREFIX.length()).getBytes(StandardCharsets.US_ASCII);
        byte[] salted = new byte[hexPart.length + SALT_LENGTH];
        System.arraycopy(hexPart, 0, salted, 0, hexPart.length);
        System.arraycopy(salt, 0, salted, hexPart.length, SALT_LENGTH);
        return PREFIX + md5Hex(salted);
    }

    /**
     * Whether {@code clientResponse} answers the challenge {@code salt} for the stored password or
     * hash, compared in constant time.
     *
     * @throws IllegalArgumentException if the stored value is a SCRAM verifier: it cannot check
     *                                  md5 (PostgreSQL fails such a login; a config should not
     *                                  allow it)
     */
    public static boolean verify(String storedPasswordOrHash, String user, byte[] salt, String clientResponse) {
        Objects.requireNonNull(clientResponse, "clientResponse");
        if (ScramVerifier.isVerifier(storedPasswordOrHash)) {
            throw new IllegalArgumentException("a SCRAM-SHA-256 verifier cannot check an md5 response");
        }
        byte[] expected = response(storedPasswordOrHash, user, salt).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, utf8(clientResponse));
    }

    /** Whether {@code text} is a stored md5 hash: {@code md5} and 32 lowercase hex digits, as PostgreSQL decides it. */
    public static boolean isHash(String text) {
        return text.length() == HASH_LENGTH
                && text.startsWith(PREFIX)
                && text.chars().skip(PREFIX.length()).allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    private static String md5Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks MD5", e);
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
