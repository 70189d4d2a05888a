package io.pgwarden.config;

import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How a service password is written, told apart by the same prefixes PostgreSQL uses in pg_authid. */
enum PasswordForm {
    /** Anything else: pgwarden can answer both SCRAM and md5 with it. */
    PLAIN,
    /** {@code md5} + 32 lowercase hex digits, md5(password + user name): only md5 auth can use it. */
    MD5_HASH,
    /** {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}: only SCRAM auth can use it. */
    SCRAM_VERIFIER,
    /** Starts like a SCRAM verifier but is not one: surely a copy-paste slip, not a password. */
    MALFORMED_SCRAM_VERIFIER;

    static final String SCRAM_PREFIX = "SCRAM-SHA-256$";
    static final String SCRAM_SHAPE = "SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>";

    private static final Pattern MD5 = Pattern.compile("md5[0-9a-f]{32}");
    private static final Pattern SCRAM = Pattern.compile("SCRAM-SHA-256\\$([0-9]{1,9}):([^$:]+)\\$([^$:]+):([^$:]+)");
    private static final int SHA_256_BYTES = 32;

    static PasswordForm of(String password) {
        if (password.startsWith(SCRAM_PREFIX)) {
            return isScramVerifier(password) ? SCRAM_VERIFIER : MALFORMED_SCRAM_VERIFIER;
        }
        return MD5.matcher(password).matches() ? MD5_HASH : PLAIN;
    }

    private static boolean isScramVerifier(String verifier) {
        Matcher parts = SCRAM.matcher(verifier);
        if (!parts.matches() || Integer.parseInt(parts.group(1)) < 1) {
            return false;
        }
        try {
            Base64.Decoder base64 = Base64.getDecoder();
            return base64.decode(parts.group(2)).length > 0
                    && base64.decode(parts.group(3)).length == SHA_256_BYTES
                    && base64.decode(parts.group(4)).length == SHA_256_BYTES;
        } catch (IllegalArgumentException notBase64) {
            return false;
        }
    }
}
