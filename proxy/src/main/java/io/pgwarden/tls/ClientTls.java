package io.pgwarden.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgwarden.config.ClientTlsMode;
import io.pgwarden.config.TlsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TLS towards clients: the server certificate and settings of {@code listen.tls}, as a Netty
 * {@link SslContext} that is swapped whole when the files change. A handshake takes the context of
 * the moment; a connection keeps what it got, so a rotation never touches open connections.
 *
 * <p>The provider is the JDK's: netty-tcnative would need a build matched to this Netty version,
 * which Maven Central does not serve for every platform we run on. The JDK's SSLEngine does the
 * handshake's work (key exchange, the certificate signature: about 2 ms of CPU for RSA 2048) in
 * "delegated tasks"; they run on a few threads of their own, so that a burst of new connections
 * does not hold up the queries of connections already open on the same event loop.
 */
public final class ClientTls implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClientTls.class);
    /** The ALPN protocol of PostgreSQL 17; a direct TLS connection must name it. */
    public static final String ALPN_PROTOCOL = "postgresql";
    public static final String PROVIDER = "JDK";

    /** One loaded generation of the files. */
    private record Loaded(SslContext context, X509Certificate certificate, CertificateFiles files) {
    }

    /** listen.tls in force: a reload may change the files, mode, versions and ciphers (not whether TLS is on). */
    private volatile TlsConfig config;
    /** Runs the SSLEngines' delegated tasks; null when TLS is disabled. */
    private final ExecutorService handshakes;
    private volatile Loaded current; // written by the polling task, read by every event loop
    private ScheduledFuture<?> polling;

    private ClientTls(TlsConfig config, Loaded first) {
        this.config = config;
        this.current = first;
        this.handshakes = first == null ? null : newHandshakeExecutor(Runtime.getRuntime().availableProcessors());
    }

    /** One thread per core: handshakes are CPU work, and more threads would only take turns. */
    private static ExecutorService newHandshakeExecutor(int cores) {
        AtomicInteger threads = new AtomicInteger();
        return Executors.newFixedThreadPool(Math.max(1, cores), task -> {
            Thread thread = new Thread(task, "pgwarden-tls-handshake-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** TLS as {@code config} says; the files are read now, and a problem with them stops the start. */
    public static ClientTls load(TlsConfig config) throws TlsSetupException {
        return new ClientTls(config, config.enabled() ? build(config) : null);
    }

    public ClientTlsMode mode() {
        return config.mode();
    }

    public boolean enabled() {
        return config.enabled();
    }

    /** A handler for one new connection's server-side handshake, with the certificate of the moment. */
    public SslHandler newHandler(ByteBufAllocator alloc) {
        return current.context().newHandler(alloc, handshakes);
    }

    /** The server certificate new handshakes get. */
    public X509Certificate certificate() {
        return current.certificate();
    }

    /** The TLS session of a client connection, once its handshake is done; empty over plain TCP. */
    public static Optional<SSLSession> session(Channel channel) {
        SslHandler handler = channel.pipeline().get(SslHandler.class);
        return handler == null || !handler.handshakeFuture().isSuccess() ? Optional.empty()
                : Optional.of(handler.engine().getSession());
    }

    /** The certificate a client presented in {@code session} and the CA accepted; empty if it sent none. */
    public static Optional<X509Certificate> clientCertificate(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x509 ? Optional.of(x509) : Optional.empty();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }

    /** The certificate this connection's handshake sent: the one channel binding is computed from, rotation or not. */
    public static Optional<X509Certificate> serverCertificate(SSLSession session) {
        Certificate[] chain = session.getLocalCertificates();
        return chain != null && chain.length > 0 && chain[0] instanceof X509Certificate x509 ? Optional.of(x509) : Optional.empty();
    }

    /** Checks the files every {@code listen.tls.reload_interval} on {@code executor}. */
    public void watch(EventExecutor executor) {
        long every = config.reloadInterval().toMillis();
        if (enabled() && every > 0) {
            polling = executor.scheduleWithFixedDelay(this::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Reads the files again if they changed since the last load. A set that does not load (half
     * written, key of another certificate) is reported and the previous one kept; it is tried again
     * at the next change.
     *
     * @return true when new handshakes now use new files
     */
    boolean reloadIfChanged() {
        Loaded before = current;
        CertificateFiles now = before.files().now();
        if (!now.differsFrom(before.files())) {
            return false;
        }
        try {
            Loaded loaded = build(config);
            current = loaded;
            log.info("listen.tls: new certificate loaded for new connections: {}", describe(loaded.certificate()));
            return true;
        } catch (TlsSetupException e) {
            // keep the old generation, but do not report the same bad files every interval
            current = new Loaded(before.context(), before.certificate(), now);
            log.warn("listen.tls: the changed files cannot be used, new connections keep the previous certificate: {}", e.getMessage());
            return false;
        }
    }

    /**
     * A reload: reads {@code next}'s files now, whether they changed or not, so that a bad set fails
     * the reload before anything of it applies. Run the returned action to use them for new
     * connections; connections open now keep theirs.
     *
     * @throws TlsSetupException when the files cannot be used (the message names the key)
     */
    public Runnable prepare(TlsConfig next) throws TlsSetupException {
        if (!enabled() || !next.enabled()) {
            return () -> { }; // switching TLS on or off needs a restart (the diff says so)
        }
        Loaded loaded = build(next);
        return () -> {
            config = next;
            current = loaded;
            log.info("listen.tls: reloaded with the config, new connections get {}", describe(loaded.certificate()));
        };
    }

    /** For the startup log line: mode, provider, versions, certificate, client certificates. */
    public String describe() {
        if (!enabled()) {
            return "TLS disabled";
        }
        String clients = config.mode().requiresClientCertificate() ? "required"
                : config.hasCa() ? "checked when sent" : "not asked for";
        return "TLS " + config.mode().yamlName() + " (" + PROVIDER + " provider, " + config.minVersion() + "+, "
                + describe(certificate()) + ", client certificates " + clients + ")";
    }

    private static String describe(X509Certificate certificate) {
        return "certificate " + certificate.getSubjectX500Principal().getName() + " serial " + certificate.getSerialNumber().toString(16)
                + " until " + certificate.getNotAfter().toInstant();
    }

    private static Loaded build(TlsConfig config) throws TlsSetupException {
        List<Path> paths = new ArrayList<>(List.of(Path.of(config.cert()), Path.of(config.key())));
        if (config.hasCa()) {
            paths.add(Path.of(config.ca()));
        }
        CertificateFiles files = CertificateFiles.of(paths); // before reading: a change while reading is seen next time
        List<X509Certificate> chain = PemFiles.certificates(paths.get(0));
        PrivateKey key = PemFiles.privateKey(paths.get(1));
        if (!PemFiles.matches(key, chain.get(0).getPublicKey())) {
            throw new TlsSetupException(config.key() + ": this private key does not belong to the certificate in " + config.cert());
        }
        SslContextBuilder builder = SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
                .sslProvider(SslProvider.JDK)
                .protocols(config.minVersion().equals("TLSv1.3") ? List.of("TLSv1.3") : List.of("TLSv1.3", "TLSv1.2"))
                .ciphers(config.ciphers(), SupportedCipherSuiteFilter.INSTANCE)
                // a client that offers ALPN must offer "postgresql", as PostgreSQL 17 requires
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.FATAL_ALERT,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ALPN_PROTOCOL));
        if (config.hasCa()) {
            builder.trustManager(PemFiles.certificates(paths.get(2)).toArray(X509Certificate[]::new))
                    .clientAuth(config.mode().requiresClientCertificate() ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
        }
        try {
            return new Loaded(builder.build(), chain.get(0), files);
        } catch (SSLException e) {
            throw new TlsSetupException("listen.tls: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        if (polling != null) {
            polling.cancel(false);
        }
        if (handshakes != null) {
            handshakes.shutdownNow();
        }
    }
}
