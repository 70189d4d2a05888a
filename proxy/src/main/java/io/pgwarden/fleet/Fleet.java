package io.pgwarden.fleet;

import io.netty.channel.EventLoop;
import io.netty.resolver.AddressResolverGroup;
import io.pgwarden.backend.BackendCanceller;
import io.pgwarden.config.FleetConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/** This replica's place in a fleet: its id, its cancel keys and its peers. A lone pgwarden has id 0 and no peers. */
public final class Fleet implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Fleet.class);
    /** Start waits this long at most for the peers' first resolution: cancels forwarded before it would be lost. */
    private static final long FIRST_RESOLUTION_SECONDS = 5;

    private final ReplicaId replica;
    private final PeerDirectory peers;

    private Fleet(ReplicaId replica, PeerDirectory peers) {
        this.replica = replica;
        this.peers = peers;
    }

    /** @param hostname the {@code HOSTNAME} environment variable (the pod name), may be null */
    public static Fleet of(FleetConfig config, String hostname, AddressResolverGroup<?> resolvers, EventLoop loop) {
        ReplicaId replica = ReplicaId.of(config, hostname);
        if (config.sharesBudget() || config.forwardsCancels()) {
            log.info("fleet: replica id {} (from {}), {} expected replicas, peers {}", replica.id(), replica.how(),
                    config.expectedReplicas(), config.peers());
            if (replica.hashed()) {
                log.warn("fleet: replica id {} is a hash of the pod name and another replica may have the same: set "
                        + "fleet.replica_id, or run as a StatefulSet (its pods end in -0, -1, ...)", replica.id());
            }
        }
        PeerDirectory peers = config.forwardsCancels()
                ? new PeerDirectory(config, resolvers, loop, PeerDirectory.localAddresses()) : null;
        return new Fleet(replica, peers);
    }

    public int replicaId() {
        return replica.id();
    }

    /** The layout of the cancel keys this replica issues: tagged with its id when there are peers to forward to. */
    public CancelKeys cancelKeys() {
        return peers == null ? CancelKeys.ALONE : CancelKeys.ofReplica(replica.id());
    }

    public CancelForwarder forwarder(BackendCanceller canceller) {
        return peers == null ? CancelForwarder.NONE : new PeerCancels(peers, canceller);
    }

    /** Once the listener is bound: starts resolving the peers, and waits (a little) for the first answers. */
    public void listening(int ownPort) {
        if (peers != null && !peers.start(ownPort).awaitUninterruptibly(FIRST_RESOLUTION_SECONDS, TimeUnit.SECONDS)) {
            log.warn("fleet: the peers were not resolved within {} s; cancels for other replicas are dropped until they are",
                    FIRST_RESOLUTION_SECONDS);
        }
    }

    @Override
    public void close() {
        if (peers != null) {
            peers.close();
        }
    }
}
