package io.pgwarden.frontend;

import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cancel keys pgwarden has handed to clients: (process id, pgwarden-issued secret) → client.
 * The secret is pgwarden's own, so a client never learns a backend's real secret.
 */
public final class CancelRegistry {

    private final SecureRandom random = new SecureRandom();
    private final Map<Long, CancelTarget> targets = new ConcurrentHashMap<>();

    /** Registers {@code target} under a fresh secret for {@code processId}; returns the secret. */
    int register(int processId, CancelTarget target) {
        while (true) {
            int secret = random.nextInt();
            if (secret != 0 && targets.putIfAbsent(key(processId, secret), target) == null) {
                return secret;
            }
        }
    }

    /** A process id for a client that has no server of its own (transaction mode). */
    int newProcessId() {
        return 1 + random.nextInt(Integer.MAX_VALUE - 1);
    }

    void unregister(int processId, int secret) {
        targets.remove(key(processId, secret));
    }

    CancelTarget find(int processId, int secret) {
        return targets.get(key(processId, secret));
    }

    private static long key(int processId, int secret) {
        return ((long) processId << 32) | (secret & 0xffffffffL);
    }
}
