package io.pgwarden.backend;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.pgwarden.config.BackendConfig;
import io.pgwarden.config.BackendTlsConfig;
import io.pgwarden.config.BackendTlsMode;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.io.File;
import java.io.UncheckedIOException;

/**
 * TLS toward one backend, as its {@code tls:} settings say: whether to send an SSLRequest, and the
 * client-mode {@link SslHandler} to put in front of the login once PostgreSQL answered 'S'. The
 * certificate files are read once, when pgwarden starts: a missing or malformed one stops it there.
 */
public final class BackendTls {

    private final BackendConfig backend;
    private final SslContext context; // null: mode disable

    private BackendTls(BackendConfig backend, SslContext context) {
        this.backend = backend;
        this.context = context;
    }

    /**
     * @throws UncheckedIOException naming the backend and the key, when a file cannot be read or used
     */
    public static BackendTls of(BackendConfig backend) {
        BackendTlsConfig tls = backend.tls();
        if (tls.mode() == BackendTlsMode.DISABLE) {
            return new BackendTls(backend, null);
        }
        SslContextBuilder builder = SslContextBuilder.forClient();
        String reading = "ca";
        try {
            if (tls.verifiesCertificate()) {
                builder.trustManager(readable(tls.ca()));
            } else {
                // libpq's require and prefer without a root certificate: encryption, no proof of who answers
                builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
            }
            if (tls.cert() != null) {
                reading = "cert";
                builder.keyManager(readable(tls.cert()), readable(tls.key()));
            }
            return new BackendTls(backend, builder.build());
        } catch (SSLException | IllegalArgumentException e) {
            String message = "backends." + backend.name() + ".tls: cannot use the " + reading
                    + (reading.equals("cert") ? "/key pair" : "") + " file: " + e.getMessage();
            throw new UncheckedIOException(message, new java.io.IOException(message, e));
        }
    }

    private static File readable(String path) {
        File file = new File(path);
        if (!file.canRead()) {
            throw new IllegalArgumentException(path + " cannot be read");
        }
        return file;
    }

    public BackendTlsMode mode() {
        return backend.tls().mode();
    }

    /** An SslHandler for one connection; with verify-full the certificate must name the backend's host. */
    SslHandler newHandler(ByteBufAllocator alloc) {
        SSLEngine engine = context.newEngine(alloc, backend.host(), backend.port());
        if (mode() == BackendTlsMode.VERIFY_FULL) {
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS"); // RFC 2818: SAN DNS names and IP addresses
            engine.setSSLParameters(parameters);
        }
        return new SslHandler(engine);
    }

    String backendName() {
        return backend.name();
    }
}
