package io.pgwarden.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgwarden.Transport;
import io.pgwarden.auth.ScramKeyCache;
import io.pgwarden.config.BackendConfig;
import io.pgwarden.config.BackendTlsMode;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.protocol.MessageFrameDecoder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;

/** Opens logged-in server connections to one backend, each on the event loop it is asked for. */
public final class BackendConnector {

    private static final Logger log = LoggerFactory.getLogger(BackendConnector.class);

    private final BackendConfig backend;
    private final Transport transport;
    private final WriteBufferWaterMark waterMark;
    /** Resolves the backend's host on the connection's event loop without blocking it: see {@link HostResolver}. */
    private final AddressResolverGroup<?> resolver;
    /** SCRAM keys per role and salt: derived once, off the event loop, not on every connection the pools open. */
    private final ScramKeyCache scramKeys;
    private final BackendTls tls;
    /** In a fleet, the replica id: server connections log in as {@code pgwarden/<replica>/<database>}. */
    private final java.util.OptionalInt replicaId;

    /** @throws java.io.UncheckedIOException when the backend's TLS files cannot be read or used */
    public BackendConnector(BackendConfig backend, Transport transport, WriteBufferWaterMark waterMark,
                            AddressResolverGroup<?> resolver, ScramKeyCache scramKeys) {
        this(backend, transport, waterMark, resolver, scramKeys, java.util.OptionalInt.empty());
    }

    /**
     * @param replicaId in a fleet, this replica's id, which names its server connections in
     *                  pg_stat_activity ({@code application_name} until a client sets its own)
     */
    public BackendConnector(BackendConfig backend, Transport transport, WriteBufferWaterMark waterMark,
                            AddressResolverGroup<?> resolver, ScramKeyCache scramKeys, java.util.OptionalInt replicaId) {
        this.replicaId = replicaId;
        this.backend = backend;
        this.tls = BackendTls.of(backend);
        this.transport = transport;
        this.waterMark = waterMark;
        this.resolver = resolver;
        this.scramKeys = scramKeys;
    }

    /** What a fleet replica's server connections show in pg_stat_activity until a client sets its own. */
    public static String applicationName(int replicaId, String database) {
        return "pgwarden/" + replicaId + "/" + database;
    }

    public BackendConfig backend() {
        return backend;
    }

    /**
     * Connects and logs in as the database's role. Fails with {@link BackendUnavailableException}
     * (unreachable, or not done within the database's server_connect_timeout) or
     * {@link BackendLoginException} (PostgreSQL said no, or TLS could not be set up as
     * {@code tls.mode} demands). With {@code tls.mode: allow}, a login PostgreSQL refuses in the
     * clear is tried once more over TLS, as libpq does.
     */
    public Future<ServerConnection> connect(EventLoop loop, DatabaseConfig database, io.pgwarden.metrics.DatabaseMeters meters) {
        return connect(loop, database, BackendLogin.pooled(database), meters);
    }

    /** As {@link #connect(EventLoop, DatabaseConfig, io.pgwarden.metrics.DatabaseMeters)}, logged in as {@code login} says. */
    public Future<ServerConnection> connect(EventLoop loop, DatabaseConfig database, BackendLogin login,
                                            io.pgwarden.metrics.DatabaseMeters meters) {
        Promise<ServerConnection> result = loop.newPromise();
        long timeoutMillis = database.pool().serverConnectTimeout().toMillis();
        Channel[] current = new Channel[1]; // the attempt under way: the one a timeout closes
        Promise<ServerConnection> firstTry = loop.newPromise();
        current[0] = attempt(loop, database, login, meters, tls.mode().asksForTls(), timeoutMillis, firstTry).channel();
        firstTry.addListener(f -> {
            if (f.isSuccess()) {
                if (!result.trySuccess(firstTry.getNow())) {
                    firstTry.getNow().close(); // timed out meanwhile
                }
            } else if (tls.mode() == BackendTlsMode.ALLOW && f.cause() instanceof BackendLoginException && !result.isDone()) {
                log.debug("backend \"{}\" refused a login in the clear ({}); trying TLS, as tls.mode is allow", backend.name(),
                        f.cause().getMessage());
                current[0] = attempt(loop, database, login, meters, true, timeoutMillis, result).channel();
            } else {
                result.tryFailure(f.cause());
            }
        });
        ScheduledFuture<?> timeout = loop.schedule(() -> {
            Channel channel = current[0];
            String stuck = channel.isActive() ? "did not complete the login" : "was not reached (resolving its host or connecting)";
            if (result.tryFailure(new BackendUnavailableException("backend \"" + backend.name()
                    + "\" " + stuck + " within server_connect_timeout (" + timeoutMillis + " ms)", null))) {
                channel.close();
            }
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        result.addListener(f -> timeout.cancel(false));
        return result;
    }

    /** One connection and login, over TLS (SSLRequest first) or in the clear. */
    private ChannelFuture attempt(EventLoop loop, DatabaseConfig database, BackendLogin login, io.pgwarden.metrics.DatabaseMeters meters,
                                  boolean overTls, long timeoutMillis, Promise<ServerConnection> promise) {
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannelClass())
                .resolver(resolver)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (overTls) {
                            ch.pipeline().addLast(TlsNegotiator.NAME, new TlsNegotiator(tls));
                        }
                        ch.pipeline()
                                .addLast(ServerPipeline.FRAMES, MessageFrameDecoder.forwarding(MessageFrameDecoder.MAX_MESSAGE_LENGTH))
                                .addLast(BackendLoginHandler.NAME, new BackendLoginHandler(database, login, meters, scramKeys, promise,
                                        replicaId.isPresent() ? applicationName(replicaId.getAsInt(), database.name()) : null));
                    }
                });
        ChannelFuture connect = bootstrap.connect(backend.host(), backend.port()); // unresolved: the resolver's job
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(new BackendUnavailableException((f.cause() instanceof UnknownHostException
                        ? "cannot resolve the host of backend \"" : "cannot connect to backend \"") + backend.name() + "\" at "
                        + backend.host() + ":" + backend.port() + ": " + f.cause().getMessage(), f.cause()));
            }
        });
        return connect;
    }
}
