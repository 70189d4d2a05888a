package io.pgwarden.fleet;

/**
 * The layout of the secret in the cancel keys this replica issues, and where a CancelRequest goes.
 * A lone pgwarden issues 32 random bits. In a fleet (PgBouncer 1.19's peering) the secret is
 * {@code [forwarded:1][replica id:10][random:21]}: any replica can tell which replica issued a key
 * without asking anyone, and a request a peer forwarded is marked so that it is never forwarded again.
 * The process id is left alone: in session mode it is the backend's own, as {@code pg_backend_pid()} says.
 */
public final class CancelKeys {

    /** Where a CancelRequest goes. */
    public enum Route {
        /** A key of this replica, from a client: look it up here. */
        LOCAL,
        /** Another replica's key, from a client: forward it to the peers, marked. */
        FORWARD,
        /** A key of this replica, forwarded by a peer: look it up here (unmarked). */
        FORWARDED_HERE,
        /** Another replica's key, forwarded by a peer: not ours, dropped (one hop only, never looped). */
        NOT_MINE
    }

    static final int REPLICA_BITS = 10;
    static final int RANDOM_BITS = 31 - REPLICA_BITS;
    static final int FORWARDED = 1 << 31;
    private static final int RANDOM_MASK = (1 << RANDOM_BITS) - 1;
    private static final int REPLICA_MASK = (1 << REPLICA_BITS) - 1;

    /** A lone pgwarden: the whole secret is random, every request is local. */
    public static final CancelKeys ALONE = new CancelKeys(-1);

    private final int replicaId;

    private CancelKeys(int replicaId) {
        this.replicaId = replicaId;
    }

    /** The keys of replica {@code replicaId} of a fleet (0 to 1023). */
    public static CancelKeys ofReplica(int replicaId) {
        if (replicaId < 0 || replicaId > REPLICA_MASK) {
            throw new IllegalArgumentException("replica id " + replicaId + " is not between 0 and " + REPLICA_MASK);
        }
        return new CancelKeys(replicaId);
    }

    public boolean inFleet() {
        return replicaId >= 0;
    }

    /** The secret to issue, made of {@code random} (may be 0: the caller draws again). */
    public int secret(int random) {
        return inFleet() ? replicaId << RANDOM_BITS | random & RANDOM_MASK : random;
    }

    /** The replica that issued {@code secret}, or -1 for a lone pgwarden's. */
    public int owner(int secret) {
        return inFleet() ? secret >>> RANDOM_BITS & REPLICA_MASK : -1;
    }

    public Route route(int secret) {
        if (!inFleet()) {
            return Route.LOCAL;
        }
        boolean forwarded = (secret & FORWARDED) != 0;
        boolean mine = owner(secret) == replicaId;
        if (forwarded) {
            return mine ? Route.FORWARDED_HERE : Route.NOT_MINE;
        }
        return mine ? Route.LOCAL : Route.FORWARD;
    }

    /** The secret as a peer receives it: marked as forwarded once. */
    public static int forwarded(int secret) {
        return secret | FORWARDED;
    }

    /** The secret as it was issued (the forwarded mark removed). */
    public int issued(int secret) {
        return inFleet() ? secret & ~FORWARDED : secret;
    }
}
