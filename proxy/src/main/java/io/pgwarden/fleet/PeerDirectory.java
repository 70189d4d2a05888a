package io.pgwarden.fleet;

import io.netty.channel.EventLoop;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgwarden.config.FleetConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Where the other replicas listen: every {@code fleet.peers} entry resolved to all its addresses (a
 * headless Service's name gives one per pod), again every {@code peer_refresh_interval}, with Netty's
 * resolver on one event loop (its owner): nothing blocks. This replica itself (a local address with
 * its own port) is left out. An entry that fails to resolve keeps its last addresses.
 */
public final class PeerDirectory implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PeerDirectory.class);

    private final FleetConfig fleet;
    private final AddressResolverGroup<?> resolvers;
    private final EventLoop loop;
    private final Set<InetAddress> localAddresses;
    /** Per entry, its last addresses; touched on {@link #loop} only. */
    private final Map<FleetConfig.PeerAddress, List<InetSocketAddress>> resolved = new LinkedHashMap<>();
    private volatile List<InetSocketAddress> addresses = List.of();
    private int ownPort;
    private ScheduledFuture<?> refresh;

    /** @param localAddresses this machine's addresses: a peer at one of them on our own port is us */
    public PeerDirectory(FleetConfig fleet, AddressResolverGroup<?> resolvers, EventLoop loop, Set<InetAddress> localAddresses) {
        this.fleet = fleet;
        this.resolvers = resolvers;
        this.loop = loop;
        this.localAddresses = Set.copyOf(localAddresses);
    }

    /** Resolves now and then every interval; the future completes when the first round is done. */
    public Future<Void> start(int ownListenPort) {
        Promise<Void> first = loop.newPromise();
        loop.execute(() -> {
            ownPort = ownListenPort;
            refreshNow(first);
            long every = fleet.peerRefreshInterval().toMillis();
            refresh = loop.scheduleWithFixedDelay(() -> refreshNow(null), every, every, TimeUnit.MILLISECONDS);
        });
        return first;
    }

    /** The peers' addresses now (read from any thread). */
    public List<InetSocketAddress> addresses() {
        return addresses;
    }

    private void refreshNow(Promise<Void> done) {
        @SuppressWarnings("unchecked")
        AddressResolver<SocketAddress> resolver = (AddressResolver<SocketAddress>) resolvers.getResolver(loop);
        int[] pending = {fleet.peers().size()};
        for (FleetConfig.PeerAddress peer : fleet.peers()) {
            resolver.resolveAll(InetSocketAddress.createUnresolved(peer.host(), peer.port())).addListener(f -> {
                if (f.isSuccess()) {
                    List<InetSocketAddress> found = new ArrayList<>();
                    for (Object address : (List<?>) f.getNow()) {
                        found.add((InetSocketAddress) address);
                    }
                    List<InetSocketAddress> before = resolved.put(peer, found);
                    if (!found.equals(before)) {
                        log.info("fleet peer {} is at {}", peer, found);
                    }
                } else {
                    log.warn("could not resolve fleet peer {} (keeping {}): {}", peer, resolved.getOrDefault(peer, List.of()),
                            f.cause().getMessage());
                }
                if (--pending[0] == 0) {
                    publish();
                    if (done != null) {
                        done.trySuccess(null);
                    }
                }
            });
        }
    }

    private void publish() {
        Set<InetSocketAddress> all = new LinkedHashSet<>();
        resolved.values().forEach(list -> list.stream().filter(a -> !isSelf(a)).forEach(all::add));
        addresses = List.copyOf(all);
    }

    private boolean isSelf(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        return address.getPort() == ownPort && ip != null && (ip.isLoopbackAddress() || ip.isAnyLocalAddress()
                || localAddresses.contains(ip));
    }

    /** The addresses of this machine's interfaces, read once at start (not on an event loop). */
    public static Set<InetAddress> localAddresses() {
        Set<InetAddress> local = new LinkedHashSet<>();
        try {
            java.util.Enumeration<java.net.NetworkInterface> interfaces = java.net.NetworkInterface.getNetworkInterfaces();
            while (interfaces != null && interfaces.hasMoreElements()) {
                interfaces.nextElement().getInetAddresses().asIterator().forEachRemaining(local::add);
            }
        } catch (java.net.SocketException e) {
            log.warn("could not list this machine's addresses ({}): a peer entry naming this replica is sent its own cancels, "
                    + "which it drops", e.getMessage());
        }
        return local;
    }

    @Override
    public void close() {
        if (refresh != null) {
            refresh.cancel(false);
        }
    }
}
