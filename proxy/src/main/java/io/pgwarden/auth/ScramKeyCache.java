package io.pgwarden.auth;

import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ClientKey and ServerKey of a password for one salt and iteration count, derived once. PBKDF2
 * costs milliseconds of CPU, on the event loop that opens the connection, and PostgreSQL sends the
 * same salt for a role every time until its password changes: without the cache every server
 * connection pgwarden opens (the instance budget moves them between databases) would stall its
 * event loop for that long. Thread-safe; bounded, since only the backends' roles come here.
 */
public final class ScramKeyCache {

    /** More entries than pgwarden has roles means salts keep changing: start over rather than grow. */
    private static final int MAX_ENTRIES = 1024;

    record Keys(byte[] clientKey, byte[] serverKey) {
    }

    /** What the keys are derived from (the salt as base64: records compare arrays by identity). */
    private record Source(String password, int iterations, String salt) {
    }

    private final ConcurrentHashMap<Source, Keys> keys = new ConcurrentHashMap<>();

    Keys keys(String password, byte[] salt, int iterations) {
        Source source = new Source(password, iterations, Base64.getEncoder().encodeToString(salt));
        Keys cached = keys.get(source);
        if (cached != null) {
            return cached;
        }
        byte[] passwordBytes = SaslPrep.passwordBytes(password);
        byte[] saltedPassword = ScramFunctions.saltedPassword(passwordBytes, salt, iterations);
        Keys derived = new Keys(ScramFunctions.clientKey(saltedPassword), ScramFunctions.serverKey(saltedPassword));
        Arrays.fill(saltedPassword, (byte) 0);
        Arrays.fill(passwordBytes, (byte) 0);
        if (keys.size() >= MAX_ENTRIES) {
            keys.clear();
        }
        keys.put(source, derived);
        return derived;
    }

    int size() {
        return keys.size();
    }
}
