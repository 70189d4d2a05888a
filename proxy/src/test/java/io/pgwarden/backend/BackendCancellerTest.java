package io.pgwarden.backend;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import io.pgwarden.Transport;
import io.pgwarden.config.BackendConfig;
import io.pgwarden.protocol.backend.BackendKeyData;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendCancellerTest {

    @Test
    void aBackendThatNeverClosesTheCancelConnectionDoesNotHoldTheServerBackForEver() throws Exception {
        Transport transport = Transport.best();
        EventLoopGroup loops = transport.newGroup(1);
        LoopbackResolverGroup resolver = new LoopbackResolverGroup();
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            BackendConfig backend = new BackendConfig("main", "db.pgwarden.test", silent.getLocalPort(), "postgres", "",
                    "postgres", false, BackendConfig.DEFAULT_SAMPLE_INTERVAL, 0, 10,
                    new io.pgwarden.config.BackendTlsConfig(io.pgwarden.config.BackendTlsMode.DISABLE, null, null, null));
            long start = System.nanoTime();
            Future<Void> done = new BackendCanceller(transport, loops, resolver, 300).cancel(backend, new BackendKeyData(1, 2));
            try (Socket accepted = silent.accept(); InputStream in = accepted.getInputStream()) {
                assertEquals(16, in.readNBytes(16).length, "the CancelRequest arrived");
                assertTrue(done.await(5, TimeUnit.SECONDS), "done after the timeout, though the backend never closed");
                assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) >= 300);
                assertEquals(-1, in.read(), "pgwarden closed the connection");
            }
            assertEquals(List.of("db.pgwarden.test"), resolver.asked(), "the host came from the injected resolver");
        } finally {
            resolver.close();
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
