package io.pgwarden.frontend;

import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cancel keys pgwarden has handed to clients: (process id, pgwarden-issued secret) → session.
 * The secret is pgwarden's own, so a client never learns a backend's real secret.
 */
public final class CancelRegistry {

    private final SecureRandom random = new SecureRandom();
    private final Map<Long, ClientSession> sessions = new ConcurrentHashMap<>();

    /** Registers the session under a fresh secret for {@code processId}; returns the secret. */
    int register(int processId, ClientSession session) {
        while (true) {
            int secret = random.nextInt();
            if (sessions.putIfAbsent(key(processId, secret), session) == null) {
                return secret;
            }
        }
    }

    void unregister(int processId, int secret) {
        sessions.remove(key(processId, secret));
    }

    ClientSession find(int processId, int secret) {
        return sessions.get(key(processId, secret));
    }

    private static long key(int processId, int secret) {
        return ((long) processId << 32) | (secret & 0xffffffffL);
    }
}
