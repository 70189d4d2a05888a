package io.pgwarden.config;

import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

/**
 * Several pgwarden replicas in front of the same instances (PgBouncer 1.19's peering).
 *
 * @param replicaId           this replica's id, 0 to {@link #MAX_REPLICA_ID}; empty: derived from
 *                            {@code replicaName}, else from the {@code HOSTNAME} environment variable, at start
 * @param replicaName         {@code replica_id} given as a name (e.g. {@code ${POD_NAME}}) to derive the id from
 * @param expectedReplicas    how many replicas share each backend's budget; until the first fleet sample
 *                            a replica uses {@code budget / expectedReplicas}. 1 (the default) is a lone
 *                            pgwarden: the budget is not shared
 * @param peers               where the other replicas listen, as {@code host:port}; a host name may
 *                            resolve to several addresses (a headless Service: every pod). Cancel requests
 *                            for another replica's key are forwarded there
 * @param peerRefreshInterval how often the peers' host names are resolved again
 */
public record FleetConfig(OptionalInt replicaId, java.util.Optional<String> replicaName, int expectedReplicas, List<PeerAddress> peers, Duration peerRefreshInterval) {

    /** The id takes 10 bits of the cancel key's secret (see the README's "Running several replicas"). */
    public static final int MAX_REPLICA_ID = 1023;

    /** A file without {@code fleet:}: one pgwarden alone. */
    public static final FleetConfig NONE = new FleetConfig(OptionalInt.empty(), java.util.Optional.empty(), 1, List.of(), Duration.ofSeconds(30));

    /** One {@code host:port} entry of {@code peers:}. */
    public record PeerAddress(String host, int port) {

        /** {@code host:port} or {@code [ipv6]:port}; null when it is neither. */
        public static PeerAddress parse(String text) {
            int colon = text.lastIndexOf(':');
            if (colon <= 0 || colon == text.length() - 1) {
                return null;
            }
            String host = text.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.contains(":")) {
                return null; // an IPv6 address without brackets: the port cannot be told apart
            }
            try {
                int port = Integer.parseInt(text.substring(colon + 1));
                return host.isEmpty() ? null : new PeerAddress(host, port);
            } catch (NumberFormatException e) {
                return null;
            }
        }

        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    public FleetConfig {
        peers = List.copyOf(peers);
    }

    /** Whether cancel keys carry the replica id and cancels are forwarded: there are peers to forward to. */
    public boolean forwardsCancels() {
        return !peers.isEmpty();
    }

    /** Whether each backend's budget is shared with other replicas. */
    public boolean sharesBudget() {
        return expectedReplicas > 1 || !peers.isEmpty();
    }
}
