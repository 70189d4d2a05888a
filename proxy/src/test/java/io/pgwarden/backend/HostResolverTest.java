package io.pgwarden.backend;

import io.netty.channel.EventLoopGroup;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import io.pgwarden.Transport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IP literals and /etc/hosts names resolve with no name server at all, as they did with the JDK's lookup. */
class HostResolverTest {

    private final Transport transport = Transport.best();
    private final EventLoopGroup loops = transport.newGroup(1);

    @AfterEach
    void stopLoops() {
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static InetSocketAddress resolve(AddressResolverGroup<InetSocketAddress> group, EventLoopGroup loops,
                                             String host) throws Exception {
        return group.getResolver(loops.next()).resolve(InetSocketAddress.createUnresolved(host, 5432)).get(5, TimeUnit.SECONDS);
    }

    @Test
    void localhostAndIpLiteralsAreAnsweredWithoutAskingANameServer() throws Exception {
        try (DatagramSocket nameServer = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            AddressResolverGroup<InetSocketAddress> group = HostResolver.dns(transport,
                    new SingletonDnsServerAddressStreamProvider(
                            new InetSocketAddress(InetAddress.getLoopbackAddress(), nameServer.getLocalPort())), 200);
            try {
                InetSocketAddress localhost = resolve(group, loops, "localhost");
                assertTrue(localhost.getAddress().isLoopbackAddress(), localhost.toString());
                assertEquals(5432, localhost.getPort());
                assertEquals(InetAddress.getByAddress(new byte[] {10, 1, 2, 3}), resolve(group, loops, "10.1.2.3").getAddress());
                assertEquals(InetAddress.getByName("::1"), resolve(group, loops, "::1").getAddress());

                nameServer.setSoTimeout(200);
                assertThrows(SocketTimeoutException.class, () -> nameServer.receive(new DatagramPacket(new byte[512], 512)),
                        "no query reached the name server");
            } finally {
                group.close();
            }
        }
    }

    @Test
    void theSystemResolverFindsLocalhostInTheHostsFile() throws Exception {
        AddressResolverGroup<InetSocketAddress> group = HostResolver.dns(transport);
        try {
            assertTrue(resolve(group, loops, "localhost").getAddress().isLoopbackAddress());
        } finally {
            group.close();
        }
    }
}
