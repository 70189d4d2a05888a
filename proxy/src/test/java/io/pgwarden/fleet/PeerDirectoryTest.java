package io.pgwarden.fleet;

import io.netty.channel.DefaultEventLoop;
import io.netty.resolver.DefaultAddressResolverGroup;
import io.pgwarden.config.FleetConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The peers' addresses, IP literals only (no name server needed): every entry, this replica left out. */
class PeerDirectoryTest {

    private final DefaultEventLoop loop = new DefaultEventLoop();

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void everyPeerButThisReplicaItself() throws Exception {
        FleetConfig fleet = new FleetConfig(OptionalInt.of(0), Optional.empty(), 3, List.of(
                new FleetConfig.PeerAddress("127.0.0.1", 6432), new FleetConfig.PeerAddress("127.0.0.1", 6433),
                new FleetConfig.PeerAddress("10.1.2.3", 6433), new FleetConfig.PeerAddress("10.1.2.4", 6433)),
                Duration.ofSeconds(30));
        // this replica listens on 6433 and has the address 10.1.2.3 (a pod's own address in the headless Service)
        PeerDirectory peers = new PeerDirectory(fleet, DefaultAddressResolverGroup.INSTANCE, loop,
                Set.of(InetAddress.getByName("10.1.2.3")));
        try {
            assertTrue(peers.start(6433).await(5, TimeUnit.SECONDS));
            assertEquals(List.of(new InetSocketAddress("127.0.0.1", 6432), new InetSocketAddress("10.1.2.4", 6433)),
                    peers.addresses());
        } finally {
            peers.close();
        }
    }
}
