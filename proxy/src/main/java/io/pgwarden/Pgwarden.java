package io.pgwarden;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.pgwarden.admin.AdminConsole;
import io.pgwarden.admin.Observability;
import io.pgwarden.auth.ScramKeyCache;
import io.pgwarden.backend.BackendCanceller;
import io.pgwarden.backend.BackendConnector;
import io.pgwarden.backend.HostResolver;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.frontend.CancelRegistry;
import io.pgwarden.frontend.ClientChannelInitializer;
import io.pgwarden.frontend.FrontendContext;
import io.pgwarden.frontend.ServiceCredentials;
import io.pgwarden.pool.DatabasePool;
import io.pgwarden.pool.Pools;
import io.pgwarden.routing.AccessPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A running pgwarden: the client listener, one pool per database, and the event loops they share.
 * Construct, {@link #start()}, {@link #close()}.
 */
public final class Pgwarden implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Pgwarden.class);
    /** Pause reading one side when the other has this much unflushed: memory per connection stays bounded. */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    private final PgwardenConfig config;
    /** Where a reload reads the file; null when there is none (embedded, some tests). */
    private final ConfigReload.Source source;
    private final Transport transport = Transport.best();
    private final CountDownLatch closed = new CountDownLatch(1);
    private EventLoopGroup acceptor;
    private EventLoopGroup loops;
    /** Backend host names, for server and cancel connections: never the JDK's blocking lookup on an event loop. */
    private AddressResolverGroup<?> resolver;
    /** PBKDF2 for backend logins (SCRAM keys the cache does not have yet): never on an event loop. */
    private ExecutorService keyDerivations;
    private Pools pools;
    private Observability observability;
    private ChannelGroup clients;
    private Channel listener;
    private io.pgwarden.tls.ClientTls tls;
    private io.pgwarden.config.RunningConfig running;
    private ConfigReload reload;
    /** Reloads asked for by the console run here: never on an event loop. */
    private ExecutorService reloads;
    private Drain drain;
    private io.pgwarden.fleet.Fleet fleet;
    private io.pgwarden.pool.FleetBudgetSync fleetBudgets;

    public Pgwarden(PgwardenConfig config) {
        this(config, null);
    }

    /** @param source reads the config file again for a reload (SIGHUP, RELOAD); null: no reload */
    public Pgwarden(PgwardenConfig config, ConfigReload.Source source) {
        this.config = config;
        this.source = source;
    }

    /**
     * Binds the listener; returns once clients can connect.
     *
     * @throws IllegalStateException when the TLS files of listen.tls cannot be used (the message says why)
     */
    public Pgwarden start() throws InterruptedException {
        try {
            tls = io.pgwarden.tls.ClientTls.load(config.listen().tls());
        } catch (io.pgwarden.tls.TlsSetupException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        acceptor = transport.newGroup(1);
        loops = transport.newGroup(config.listen().eventLoops(Runtime.getRuntime().availableProcessors()));
        clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
        resolver = HostResolver.dns(transport);
        keyDerivations = ScramKeyCache.newDerivationExecutor(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
        ScramKeyCache scramKeys = new ScramKeyCache(keyDerivations);
        observability = Observability.create(config);
        running = new io.pgwarden.config.RunningConfig(config);
        fleet = io.pgwarden.fleet.Fleet.of(config.fleet(), System.getenv("HOSTNAME"), resolver, loops.next());
        pools = new Pools(config, loops, backend -> new BackendConnector(backend, transport, WATER_MARK, resolver, scramKeys,
                        config.fleet().sharesBudget() ? java.util.OptionalInt.of(fleet.replicaId()) : java.util.OptionalInt.empty()),
                observability.metrics(), () -> new Thread(this::close, "pgwarden-shutdown").start());
        if (config.fleet().sharesBudget()) {
            fleetBudgets = new io.pgwarden.pool.FleetBudgetSync(config, fleet.replicaId(), pools).start();
        }
        BackendCanceller canceller = new BackendCanceller(transport, loops, resolver);
        ServiceCredentials credentials = new ServiceCredentials(config);
        reload = new ConfigReload(source, running, credentials, pools, tls, observability.metrics());
        reloads = java.util.concurrent.Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "pgwarden-reload");
            thread.setDaemon(true);
            return thread;
        });
        drain = new Drain(pools, observability.metrics(), () -> {
            if (listener != null) {
                listener.close().syncUninterruptibly();
            }
        }, this::close);
        AdminConsole console = new AdminConsole(running, pools, new ProxyControl(pools, this::reloadAsync, drain),
                observability.metrics(), "pgwarden " + Version.current());
        FrontendContext context = new FrontendContext(
                running,
                observability.metrics(),
                console,
                new AccessPolicy(running),
                new io.pgwarden.frontend.ClientQuotas(running),
                new io.pgwarden.frontend.PendingLogins(config.limits()),
                new io.pgwarden.frontend.FailedLogins(config.limits()),
                credentials,
                pools,
                new CancelRegistry(fleet.cancelKeys(), fleet.forwarder(canceller)),
                canceller,
                new io.pgwarden.backend.StatementNames(),
                new java.util.concurrent.atomic.AtomicLong(),
                tls,
                new io.pgwarden.frontend.LoginAnswers());
        tls.watch(loops.next());
        try {
            listener = new ServerBootstrap()
                    .group(acceptor, loops)
                    .channel(transport.serverChannelClass())
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                    .childHandler(new ClientChannelInitializer(context, clients))
                    .bind(config.listen().host(), config.listen().port())
                    .sync()
                    .channel();
            observability.start(pools, () -> listener != null && listener.isActive(), drain::shuttingDown);
            fleet.listening(port());
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
        log.info("pgwarden listening on {}:{} ({} transport, {} event loops), {} databases, {} services, {}",
                config.listen().host(), port(), transport, config.listen().eventLoops(Runtime.getRuntime().availableProcessors()),
                config.databases().size(), config.services().size(), tls.describe());
        return this;
    }

    /**
     * Reads the config file again and applies it, all or nothing (SIGHUP, {@code watch_config}).
     * Blocks while it reads budgets or derives keys: never call it on an event loop.
     */
    public io.pgwarden.admin.ReloadOutcome reload() {
        return reload.reload();
    }

    /** {@link #reload()} on the reload thread (the console's RELOAD). */
    public java.util.concurrent.CompletableFuture<io.pgwarden.admin.ReloadOutcome> reloadAsync() {
        return java.util.concurrent.CompletableFuture.supplyAsync(reload::reload, reloads);
    }

    /**
     * SIGTERM: drain and exit ({@link Drain}): /health/ready turns 503 now, new connections are
     * refused after shutdown_delay, clients leave at their transaction's end, and {@link #close()}
     * runs when they are gone or at shutdown_timeout. A second call closes at once.
     */
    public void terminate() {
        drain.terminate(running.get().lifecycle());
    }

    /** True once {@link #terminate()} or a SHUTDOWN WAIT_FOR_... began a shutdown. */
    public boolean terminating() {
        return drain.shuttingDown();
    }

    /** The config in force: the file as started, then as each reload left it. */
    public PgwardenConfig runningConfig() {
        return running.get();
    }

    /** The port actually bound (useful when the config says 0). */
    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Every pool, for views and tests. */
    public Pools pools() {
        return pools;
    }

    /** The pool of one database, for views and tests. */
    public DatabasePool pool(String database) {
        return pools.pool(database);
    }

    /** The HTTP endpoint's port, when the config has {@code http:}. */
    public java.util.OptionalInt httpPort() {
        return observability.httpPort();
    }

    /** Metrics, sampler and HTTP endpoint, for tests and embedding. */
    public Observability observability() {
        return observability;
    }

    /** Blocks until {@link #close()} is called from another thread. */
    public void awaitClose() throws InterruptedException {
        closed.await();
    }

    /** Stops accepting, closes every client and server connection, and frees the event loops. */
    @Override
    public void close() {
        if (closed.getCount() == 0) {
            return;
        }
        if (drain != null) {
            drain.closed();
        }
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        if (clients != null) {
            clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (tls != null) {
            tls.close(); // after the clients: a handshake in progress still needs its task threads
        }
        if (fleet != null) {
            fleet.close();
        }
        if (pools != null) {
            pools.close();
        }
        if (fleetBudgets != null) {
            fleetBudgets.close(); // after the pools: once its marker goes, the other replicas may take this one's part
        }
        if (observability != null) {
            observability.close();
        }
        if (resolver != null) {
            resolver.close(); // its sockets, one per event loop, before the loops go
        }
        if (keyDerivations != null) {
            keyDerivations.shutdownNow();
        }
        if (reloads != null) {
            reloads.shutdownNow();
        }
        if (loops != null) {
            loops.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (acceptor != null) {
            acceptor.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        }
        log.info("pgwarden stopped"); // before awaitClose returns: the caller may stop logging then
        closed.countDown();
    }
}
