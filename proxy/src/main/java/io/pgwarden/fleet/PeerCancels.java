package io.pgwarden.fleet;

import io.pgwarden.backend.BackendCanceller;
import io.pgwarden.protocol.frontend.CancelRequest;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Forwards a cancel to every peer, each on a connection of its own as PostgreSQL's protocol wants.
 * The peers' addresses do not say which replica is which (a headless Service gives addresses only),
 * so every peer gets it and only the one that issued the key acts on it; the others drop it as
 * not theirs. A cancel is rare; a flood of forged ones is bounded by {@link #MAX_IN_FLIGHT}.
 */
public final class PeerCancels implements CancelForwarder {

    /** Forwarding connections open at once; past it a request is dropped (and counted) rather than queued. */
    static final int MAX_IN_FLIGHT = 256;

    private final PeerDirectory peers;
    private final BackendCanceller canceller;
    private final AtomicInteger inFlight = new AtomicInteger();

    public PeerCancels(PeerDirectory peers, BackendCanceller canceller) {
        this.peers = peers;
        this.canceller = canceller;
    }

    @Override
    public boolean forward(CancelRequest request, Runnable done) {
        List<InetSocketAddress> to = peers.addresses();
        if (to.isEmpty() || inFlight.addAndGet(to.size()) > MAX_IN_FLIGHT) {
            if (!to.isEmpty()) {
                inFlight.addAndGet(-to.size());
            }
            return false;
        }
        AtomicInteger open = new AtomicInteger(to.size());
        for (InetSocketAddress peer : to) {
            canceller.forward(peer, request).addListener(f -> {
                inFlight.decrementAndGet();
                if (open.decrementAndGet() == 0) {
                    done.run();
                }
            });
        }
        return true;
    }
}
