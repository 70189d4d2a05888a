package io.pgwarden.backend;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import io.netty.util.concurrent.Future;
import io.pgwarden.Transport;
import io.pgwarden.auth.ScramKeyCache;
import io.pgwarden.config.BackendConfig;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.PoolSettings;
import io.pgwarden.metrics.DatabaseMeters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Server connections find their backend through the resolver pgwarden gives them, never the JDK's
 * blocking lookup: no test here needs a name server, and one that never answers costs a query
 * timeout, not an event loop.
 */
class BackendConnectorTest {

    private static final DatabaseConfig DATABASE =
            new DatabaseConfig("orders", "main", "orders_db", "owner", "owner-pw", PoolSettings.DEFAULTS);

    private final Transport transport = Transport.best();
    private final EventLoopGroup loops = transport.newGroup(1);

    @AfterEach
    void stopLoops() {
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private BackendConnector connector(String host, int port, AddressResolverGroup<?> resolver) {
        return new BackendConnector(new BackendConfig("main", host, port, "postgres", "", "postgres", false),
                transport, new WriteBufferWaterMark(32 * 1024, 64 * 1024), resolver, new ScramKeyCache());
    }

    @Test
    void theBackendsHostIsResolvedByTheInjectedResolver() throws Exception {
        LoopbackResolverGroup resolver = new LoopbackResolverGroup();
        try (ServerSocket backend = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Future<ServerConnection> login = connector("db.pgwarden.test", backend.getLocalPort(), resolver)
                    .connect(loops.next(), DATABASE, DatabaseMeters.NONE);
            try (Socket accepted = backend.accept()) {
                DataInputStream in = new DataInputStream(accepted.getInputStream());
                assertEquals(8, in.readInt());
                assertEquals(io.pgwarden.protocol.frontend.SslRequest.CODE, in.readInt(), "tls.mode prefer (the default) asks first");
                accepted.getOutputStream().write('N'); // no TLS here: the login goes on in the clear
                int length = in.readInt();
                assertEquals(196608, in.readInt(), "a StartupMessage, protocol 3.0, arrived");
                in.readNBytes(length - 8);
            }
            assertTrue(login.await(5, TimeUnit.SECONDS));
            assertInstanceOf(BackendUnavailableException.class, login.cause(), "the fake backend closed during the login");
            assertEquals(List.of("db.pgwarden.test"), resolver.asked());
        } finally {
            resolver.close();
        }
    }

    @Test
    void aNameNoNameServerAnswersFailsAfterTheQueryTimeoutWithTheHostInTheMessage() throws Exception {
        try (DatagramSocket silentNameServer = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            AddressResolverGroup<InetSocketAddress> resolver = HostResolver.dns(transport,
                    new SingletonDnsServerAddressStreamProvider(
                            new InetSocketAddress(InetAddress.getLoopbackAddress(), silentNameServer.getLocalPort())), 200);
            try {
                long start = System.nanoTime();
                Future<ServerConnection> login = connector("db.pgwarden.test", 5432, resolver)
                        .connect(loops.next(), DATABASE, DatabaseMeters.NONE);

                assertTrue(login.await(5, TimeUnit.SECONDS));
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertInstanceOf(BackendUnavailableException.class, login.cause());
                String message = login.cause().getMessage();
                assertTrue(message.startsWith("cannot resolve the host of backend \"main\" at db.pgwarden.test:5432: "), message);
                assertTrue(millis < PoolSettings.DEFAULTS.serverConnectTimeout().toMillis(),
                        "failed after the query timeout, before server_connect_timeout: " + millis + " ms");
            } finally {
                resolver.close();
            }
        }
    }
}
