package io.pgwarden.frontend;

import io.pgwarden.backend.BackendCanceller;
import io.pgwarden.fleet.CancelForwarder;
import io.pgwarden.fleet.CancelKeys;
import io.pgwarden.metrics.CancelOutcome;
import io.pgwarden.protocol.frontend.CancelRequest;

import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cancel keys pgwarden has handed to clients: (process id, pgwarden-issued secret) → client.
 * The secret is pgwarden's own, so a client never learns a backend's real secret. In a fleet it also
 * names the replica that issued it ({@link CancelKeys}), and a request for another replica's key is
 * forwarded to the peers.
 */
public final class CancelRegistry {

    private final SecureRandom random = new SecureRandom();
    private final Map<Long, CancelTarget> targets = new ConcurrentHashMap<>();
    private final CancelKeys keys;
    private final CancelForwarder peers;

    /** A lone pgwarden. */
    public CancelRegistry() {
        this(CancelKeys.ALONE, CancelForwarder.NONE);
    }

    public CancelRegistry(CancelKeys keys, CancelForwarder peers) {
        this.keys = keys;
        this.peers = peers;
    }

    /**
     * A CancelRequest arrived on a connection of its own: cancels the query of the client that holds the
     * key, or forwards the request once to the peers. Nothing is ever answered, as PostgreSQL answers nothing.
     */
    CancelOutcome cancel(CancelRequest request, BackendCanceller canceller) {
        return cancel(request, canceller, () -> { });
    }

    /**
     * The same; {@code done} runs once a local cancel has reached PostgreSQL (see
     * {@link CancelTarget#cancelRunningQuery}), a forwarded one once the peers have closed their
     * connections ({@link CancelForwarder#forward}), at once otherwise.
     */
    CancelOutcome cancel(CancelRequest request, BackendCanceller canceller, Runnable done) {
        CancelOutcome outcome = switch (keys.route(request.secretKey())) {
            case LOCAL, FORWARDED_HERE -> {
                CancelTarget target = find(request.processId(), keys.issued(request.secretKey()));
                if (target == null) {
                    yield CancelOutcome.UNKNOWN_KEY;
                }
                target.cancelRunningQuery(canceller, done);
                yield CancelOutcome.LOCAL;
            }
            case FORWARD -> peers.forward(new CancelRequest(request.processId(), CancelKeys.forwarded(request.secretKey())), done)
                    ? CancelOutcome.FORWARDED : CancelOutcome.FORWARD_DROPPED;
            case NOT_MINE -> CancelOutcome.NOT_MINE;
        };
        if (outcome != CancelOutcome.LOCAL && outcome != CancelOutcome.FORWARDED) {
            done.run(); // nothing on its way
        }
        return outcome;
    }

    /** Registers {@code target} under a fresh secret for {@code processId}; returns the secret. */
    int register(int processId, CancelTarget target) {
        while (true) {
            int secret = keys.secret(random.nextInt());
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
