package io.pgwarden.pool;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgwarden.backend.BackendConnector;
import io.pgwarden.backend.InternalQuery;
import io.pgwarden.backend.ServerConnection;
import io.pgwarden.backend.ServerState;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.PoolMode;
import io.pgwarden.config.PoolSettings;
import io.pgwarden.metrics.DatabaseMeters;
import io.pgwarden.metrics.PoolView;
import io.pgwarden.protocol.TransactionStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The server connections of one logical database: at most {@code pool_size}, reused across clients,
 * handed out in FIFO order to clients that wait at most {@code query_wait_timeout}.
 *
 * <p>The lock guards only the pool's books (idle list, waiters, count); it is taken when a client
 * starts or ends its lease, never while bytes are forwarded. Promises are completed outside it.
 */
public final class DatabasePool implements AutoCloseable, PoolView {

    private static final Logger log = LoggerFactory.getLogger(DatabasePool.class);
    private static final long MAINTENANCE_PERIOD_MILLIS = 1000;
    /**
     * Ticks of maintenance over which {@link RecentPeak} remembers connections in use: 20 s, long
     * enough that a database's ordinary bursts fall inside it (a connection taken away and needed
     * again costs a client a wait), short enough that a database gone quiet frees its share soon.
     */
    private static final int DEMAND_WINDOW_TICKS = 20;

    private final DatabaseConfig database;
    private final PoolSettings settings;
    private final BackendConnector connector;
    private final EventLoopGroup loops;
    private final ReentrantLock lock = new ReentrantLock();
    /** Most recently used first. */
    private final ArrayDeque<ServerConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    /** Every server connection open or opening, for SHOW SERVERS, RECONNECT and KILL. */
    private final Set<ServerConnection> servers = new LinkedHashSet<>();
    private final Set<PoolClient> clients = ConcurrentHashMap.newKeySet();
    private final DatabaseMeters meters;
    private final InstanceBudget budget;
    /** Clients that had to wait because of the instance budget rather than pool_size. */
    private final java.util.concurrent.atomic.AtomicLong throttled = new java.util.concurrent.atomic.AtomicLong();
    /** The most connections in use at once lately: the demand the instance budget sees. */
    private final RecentPeak recentPeak = new RecentPeak(DEMAND_WINDOW_TICKS);
    /** Open or opening connections: what counts against pool_size. */
    private int size;
    private int leased;
    private int opening;
    private int resetting;
    private boolean closed;
    /** PAUSE: no server is handed out; these complete once none is leased any more. */
    private boolean paused;
    private final List<CompletableFuture<Void>> pauseDone = new ArrayList<>();
    /** RECONNECT: servers opened before this are closed instead of reused. */
    private volatile long reconnectNanos = Long.MIN_VALUE;
    private final ScheduledFuture<?> maintenance;

    /** A client waiting for a server connection since {@code sinceNanos}, and the loop it would like one on. */
    private static final class Waiter {
        final EventLoop loop;
        final Promise<ServerConnection> promise;
        final long sinceNanos;
        /** Already counted in pgwarden_pool_throttled_total (guarded by the pool's lock). */
        boolean throttled;

        Waiter(EventLoop loop, Promise<ServerConnection> promise, long sinceNanos) {
            this.loop = loop;
            this.promise = promise;
            this.sinceNanos = sinceNanos;
        }

        EventLoop loop() {
            return loop;
        }

        Promise<ServerConnection> promise() {
            return promise;
        }

        long sinceNanos() {
            return sinceNanos;
        }
    }

    public DatabasePool(DatabaseConfig database, BackendConnector connector, EventLoopGroup loops, DatabaseMeters meters,
                        InstanceBudget budget) {
        this.database = database;
        this.settings = database.pool();
        this.connector = connector;
        this.loops = loops;
        this.meters = meters;
        this.budget = budget;
        budget.join(database.name(), settings.weight(), settings.minConnections(), settings.size() + settings.reservePool(),
                this::dispatch, this::closeIdle);
        this.maintenance = loops.next().scheduleWithFixedDelay(this::maintain,
                MAINTENANCE_PERIOD_MILLIS, MAINTENANCE_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    public DatabaseConfig databaseConfig() {
        return database;
    }

    @Override
    public String database() {
        return database.name();
    }


    /**
     * A server connection for a client on {@code loop}: an idle one (preferably on that loop), a new
     * one while under pool_size, or the next one given back, whichever comes first. Fails with
     * {@link PoolExhaustedException} after query_wait_timeout, or with the backend's failure when a
     * connection opened for this client could not log in.
     */
    public Future<ServerConnection> acquire(EventLoop loop) {
        Promise<ServerConnection> promise = loop.newPromise();
        Waiter waiter = new Waiter(loop, promise, System.nanoTime());
        lock.lock();
        try {
            if (closed) {
                return promise.setFailure(new PoolClosedException());
            }
            waiters.addLast(waiter);
        } finally {
            lock.unlock();
        }
        dispatch();
        if (!promise.isDone()) {
            long timeout = settings.queryWaitTimeout().toMillis();
            ScheduledFuture<?> timer = loop.schedule(() -> expire(waiter), timeout, TimeUnit.MILLISECONDS);
            promise.addListener(f -> timer.cancel(false));
            if (settings.reservePool() > 0) {
                // after reserve_pool_timeout the reserve opens up for this client
                ScheduledFuture<?> reserve = loop.schedule(this::dispatch, settings.reservePoolTimeout().toMillis(), TimeUnit.MILLISECONDS);
                promise.addListener(f -> reserve.cancel(false));
            }
        }
        return promise;
    }

    /**
     * The client is gone (or its session ended): roll back what it left open, reset the session in
     * session mode, and reuse the server — or close it when a request is still running on it.
     */
    public void release(ServerConnection server) {
        server.channel().eventLoop().execute(() -> reset(server));
    }

    /**
     * Transaction mode: the client's transaction is over (ReadyForQuery 'I', nothing in flight).
     * The server keeps its prepared statements and settings for the next client.
     */
    public void giveBack(ServerConnection server) {
        server.channel().eventLoop().execute(() -> giveBackNow(server));
    }

    private void giveBackNow(ServerConnection server) {
        if (server.cancelsInFlight().get() > 0) {
            // a cancel for the last client's query is on its way: wait until PostgreSQL has it
            server.channel().eventLoop().schedule(() -> giveBackNow(server), 5, TimeUnit.MILLISECONDS);
            return;
        }
        server.listener(null);
        if (server.atRequestBoundary() && server.transactionStatus() == TransactionStatus.IDLE
                && !expired(server, System.nanoTime()) && server.channel().isActive()) {
            lock.lock();
            try {
                if (server.state() == ServerState.CLOSED) {
                    return;
                }
                server.state(ServerState.RESETTING);
                resetting++;
            } finally {
                lock.unlock();
            }
            returnToPool(server);
        } else {
            reset(server);
        }
    }

    private void reset(ServerConnection server) {
        lock.lock();
        try {
            if (server.state() == ServerState.CLOSED || !server.channel().isActive()) {
                return; // accounted for by onClosed
            }
            if (server.state() != ServerState.RESETTING) {
                server.state(ServerState.RESETTING);
                resetting++;
            }
        } finally {
            lock.unlock();
        }
        if (!server.atRequestBoundary() || expired(server, System.nanoTime())) {
            // a request still running (or half sent): rolling it back would mean waiting on it; PostgreSQL rolls back on close
            server.listener(null);
            server.close();
            return;
        }
        List<String> statements = new ArrayList<>(2);
        if (server.transactionStatus() != TransactionStatus.IDLE) {
            statements.add("ROLLBACK");
        }
        if (settings.mode() == PoolMode.SESSION && !settings.resetQuery().isBlank()) {
            statements.add(settings.resetQuery());
        }
        InternalQuery.run(server, statements).addListener(f -> {
            if (f.isSuccess() && ((java.util.Optional<?>) f.getNow()).isEmpty()
                    && server.transactionStatus() == TransactionStatus.IDLE) {
                returnToPool(server);
            } else {
                log.warn("closing a server connection of database \"{}\": reset failed ({})", database.name(),
                        f.isSuccess() ? f.getNow() : f.cause().getMessage());
                server.listener(null);
                server.close();
            }
        });
    }

    /** A clean server back in the pool: straight to the first waiter, or idle. */
    private void returnToPool(ServerConnection server) {
        Waiter next;
        boolean yield;
        List<CompletableFuture<Void>> paused = List.of();
        lock.lock();
        try {
            leased--;
            if (server.state() == ServerState.RESETTING) {
                resetting--;
            }
            // above its share while a database below its share waits: the connection goes back to the instance
            yield = !closed && budget.mustYield(database.name(), currentCap(), size - idle.size() - 1, recentPeak.peak(),
                    waiters.size());
            if (closed || this.paused || yield) {
                next = null;
            } else {
                next = waiters.pollFirst();
            }
            paused = pauseCompleted();
            if (next != null) {
                leased++;
                server.state(ServerState.LEASED);
            } else {
                server.state(ServerState.IDLE);
                if (!yield) {
                    idle.addFirst(server); // a yielded one never enters the idle list: nobody may take it
                }
            }
        } finally {
            lock.unlock();
        }
        paused.forEach(done -> done.complete(null));
        if (yield) {
            log.debug("{} goes back to the instance: database \"{}\" is above its share", server, database.name());
            server.listener(null);
            server.close();
            return;
        }
        if (next != null) {
            hand(server, next);
        } else {
            server.listener(null);
            if (closed) {
                server.close();
            }
        }
    }

    private void hand(ServerConnection server, Waiter waiter) {
        if (waiter.promise().trySuccess(server)) {
            meters.clientWaitEnded(System.nanoTime() - waiter.sinceNanos(), false);
        } else {
            release(server); // the client went away meanwhile
        }
    }

    /** PAUSE waiters to complete now that nothing is leased; called under the lock. */
    private List<CompletableFuture<Void>> pauseCompleted() {
        if (!paused || leased > 0 || opening > 0 || pauseDone.isEmpty()) {
            return List.of();
        }
        List<CompletableFuture<Void>> done = new ArrayList<>(pauseDone);
        pauseDone.clear();
        return done;
    }

    /**
     * Serves waiters from idle connections, or opens connections for them while under pool_size and
     * as far as the instance budget grants.
     */
    private void dispatch() {
        List<Runnable> actions = new ArrayList<>();
        lock.lock();
        try {
            while (!closed && !paused && !waiters.isEmpty()) {
                Waiter waiter = waiters.peekFirst();
                ServerConnection server = takeIdle(waiter.loop());
                if (server != null) {
                    waiters.pollFirst();
                    leased++;
                    recentPeak.record(size - idle.size());
                    server.state(ServerState.LEASED);
                    actions.add(() -> hand(server, waiter));
                } else if (size < cap(waiter)) {
                    InstanceBudget.Decision decision = budget.request(database.name(), cap(waiter), size - idle.size(),
                            recentPeak.peak(), waiters.size());
                    actions.addAll(decision.followUps());
                    if (!decision.granted()) {
                        if (!waiter.throttled) { // a client, once: dispatch runs again at every wake-up
                            waiter.throttled = true;
                            throttled.incrementAndGet();
                        }
                        break;
                    }
                    waiters.pollFirst();
                    size++;
                    leased++;
                    opening++;
                    recentPeak.record(size - idle.size());
                    actions.add(() -> openFor(waiter));
                } else {
                    break;
                }
            }
            if (waiters.isEmpty()) {
                actions.addAll(budget.changed(database.name(), currentCap(), size - idle.size(), recentPeak.peak(), 0));
            }
        } finally {
            lock.unlock();
        }
        actions.forEach(Runnable::run);
    }

    /** The cap the budget sees: pool_size, plus the reserve while the first waiter qualifies for it. Under the lock. */
    private int currentCap() {
        Waiter first = waiters.peekFirst();
        return first == null ? settings.size() : cap(first);
    }

    /** pool_size, plus the reserve once the first waiter has waited reserve_pool_timeout. */
    private int cap(Waiter first) {
        boolean reserveOpen = settings.reservePool() > 0
                && System.nanoTime() - first.sinceNanos() >= settings.reservePoolTimeout().toNanos();
        return settings.size() + (reserveOpen ? settings.reservePool() : 0);
    }

    /** The budget wants connections back: close up to {@code count} idle ones, oldest first. */
    private void closeIdle(int count) {
        List<ServerConnection> toClose = new ArrayList<>(count);
        lock.lock();
        try {
            java.util.Iterator<ServerConnection> oldest = idle.descendingIterator();
            while (oldest.hasNext() && toClose.size() < count) {
                toClose.add(oldest.next());
                oldest.remove(); // out of the idle list now, so nobody is handed a connection about to close
            }
        } finally {
            lock.unlock();
        }
        toClose.forEach(ServerConnection::close);
    }

    /** Gives one connection's budget back (closed, or never opened). */
    private void budgetReturned() {
        List<Runnable> actions;
        lock.lock();
        try {
            actions = budget.returned(database.name(), currentCap(), size - idle.size(), recentPeak.peak(), waiters.size());
        } finally {
            lock.unlock();
        }
        actions.forEach(Runnable::run);
    }

    @Override
    public long throttledCount() {
        return throttled.get();
    }

    @Override
    public double fairShare() {
        return budget.share(database.name());
    }

    public InstanceBudget budget() {
        return budget;
    }

    private ServerConnection takeIdle(EventLoop preferred) {
        for (Iterator<ServerConnection> it = idle.iterator(); it.hasNext(); ) {
            ServerConnection server = it.next();
            if (server.channel().eventLoop() == preferred) {
                it.remove();
                return server;
            }
        }
        return idle.pollFirst();
    }

    private void openFor(Waiter waiter) {
        connector.connect(waiter.loop(), database, meters).addListener(f -> {
            lock.lock();
            try {
                opening--;
            } finally {
                lock.unlock();
            }
            if (f.isSuccess()) {
                ServerConnection server = (ServerConnection) f.getNow();
                track(server, ServerState.LEASED);
                hand(server, waiter);
            } else {
                lock.lock();
                try {
                    size--;
                    leased--;
                } finally {
                    lock.unlock();
                }
                budgetReturned();
                waiter.promise().tryFailure(f.cause());
                dispatch();
            }
        });
    }

    private void openIdle() {
        connector.connect(loops.next(), database, meters).addListener(f -> {
            lock.lock();
            try {
                opening--;
            } finally {
                lock.unlock();
            }
            if (f.isSuccess()) {
                ServerConnection server = (ServerConnection) f.getNow();
                track(server, ServerState.LEASED);
                lock.lock();
                try {
                    leased++;
                } finally {
                    lock.unlock();
                }
                returnToPool(server);
            } else {
                lock.lock();
                try {
                    size--;
                } finally {
                    lock.unlock();
                }
                budgetReturned();
                log.warn("could not open a warm server connection for database \"{}\": {}", database.name(), f.cause().getMessage());
            }
        });
    }

    private void track(ServerConnection server, ServerState state) {
        server.state(state);
        lock.lock();
        try {
            servers.add(server);
        } finally {
            lock.unlock();
        }
        server.channel().closeFuture().addListener(f -> onClosed(server));
    }

    private void onClosed(ServerConnection server) {
        List<CompletableFuture<Void>> paused;
        lock.lock();
        try {
            ServerState previous = server.state();
            server.state(ServerState.CLOSED);
            servers.remove(server);
            idle.remove(server);
            size--;
            if (previous != ServerState.IDLE) {
                leased--;
            }
            if (previous == ServerState.RESETTING) {
                resetting--;
            }
            paused = pauseCompleted();
        } finally {
            lock.unlock();
        }
        paused.forEach(done -> done.complete(null));
        budgetReturned();
        dispatch();
    }

    private void expire(Waiter waiter) {
        boolean removed;
        lock.lock();
        try {
            removed = waiters.remove(waiter);
        } finally {
            lock.unlock();
        }
        if (removed) {
            budgetDemandChanged();
            meters.clientWaitEnded(System.nanoTime() - waiter.sinceNanos(), true);
            waiter.promise().tryFailure(new PoolExhaustedException("no server connection for database \"" + database.name()
                    + "\" became free within query_wait_timeout (" + settings.queryWaitTimeout().toMillis()
                    + " ms): all " + settings.size() + " of its pool_size are in use"));
        }
    }

    /** A client gave up waiting (it disconnected): forget it. */
    public void cancel(Future<ServerConnection> acquisition) {
        lock.lock();
        try {
            waiters.removeIf(w -> w.promise() == acquisition);
        } finally {
            lock.unlock();
        }
        budgetDemandChanged();
    }

    private void budgetDemandChanged() {
        List<Runnable> actions;
        lock.lock();
        try {
            actions = budget.changed(database.name(), currentCap(), size - idle.size(), recentPeak.peak(), waiters.size());
        } finally {
            lock.unlock();
        }
        actions.forEach(Runnable::run);
    }

    private boolean expired(ServerConnection server, long now) {
        long lifetime = settings.serverLifetime().toNanos();
        return lifetime > 0 && server.ageNanos(now) > lifetime || server.createdAtNanos() < reconnectNanos;
    }

    /** Closes idle connections past server_idle_timeout or server_lifetime, and keeps min_idle warm. */
    private void maintain() {
        long now = System.nanoTime();
        long idleTimeout = settings.serverIdleTimeout().toNanos();
        List<ServerConnection> toClose = new ArrayList<>();
        int toOpen = 0;
        List<Runnable> rebalance;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            recentPeak.advance(size - idle.size());
            // connections this database no longer needs may be what another one waits for
            rebalance = budget.rebalance(database.name(), currentCap(), size - idle.size(), recentPeak.peak(),
                    waiters.size());
            for (Iterator<ServerConnection> it = idle.descendingIterator(); it.hasNext(); ) {
                ServerConnection server = it.next();
                boolean idleTooLong = idleTimeout > 0 && server.idleNanos(now) > idleTimeout && idle.size() > settings.minIdle();
                if (idleTooLong || expired(server, now)) {
                    toClose.add(server);
                    it.remove(); // nobody is handed a connection about to close
                }
            }
            int warm = idle.size() + (size - toClose.size() - leased - idle.size());
            if (waiters.isEmpty() && warm < settings.minIdle()) {
                int wanted = Math.max(0, Math.min(settings.minIdle() - warm, settings.size() - size + toClose.size()));
                for (int i = 0; i < wanted; i++) {
                    InstanceBudget.Decision decision = budget.request(database.name(), currentCap(), size - idle.size(),
                            recentPeak.peak(), 0);
                    if (!decision.granted()) {
                        break; // warm connections are a nicety: never at another database's expense
                    }
                    toOpen++;
                    size++;
                    opening++;
                }
            }
        } finally {
            lock.unlock();
        }
        toClose.forEach(ServerConnection::close);
        for (int i = 0; i < toOpen; i++) {
            openIdle();
        }
        rebalance.forEach(Runnable::run);
    }

    // ---- what the admin console and the metrics see -----------------------------------------------

    @Override
    public String backend() {
        return database.backend();
    }

    public io.pgwarden.config.BackendConfig backendConfig() {
        return connector.backend();
    }

    @Override
    public int poolSize() {
        return settings.size();
    }

    @Override
    public int clientsActive() {
        return serversActive();
    }

    @Override
    public int clientsWaiting() {
        return locked(() -> waiters.size());
    }

    @Override
    public int clientsIdle() {
        return Math.max(0, clients.size() - clientsActive() - clientsWaiting());
    }

    @Override
    public int serversActive() {
        return locked(() -> Math.max(0, size - idle.size() - opening - resetting));
    }

    @Override
    public int serversIdle() {
        return locked(() -> idle.size());
    }

    @Override
    public int serversLogin() {
        return locked(() -> opening);
    }

    @Override
    public int serversTested() {
        return locked(() -> resetting);
    }

    /** One of the pool's counts, read under its lock (views and metrics, never the forwarding path). */
    private int locked(java.util.function.IntSupplier count) {
        lock.lock();
        try {
            return count.getAsInt();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long maxWaitNanos() {
        lock.lock();
        try {
            Waiter oldest = waiters.peekFirst();
            return oldest == null ? 0 : System.nanoTime() - oldest.sinceNanos();
        } finally {
            lock.unlock();
        }
    }

    public DatabaseMeters meters() {
        return meters;
    }

    public void register(PoolClient client) {
        clients.add(client);
    }

    public void unregister(PoolClient client) {
        clients.remove(client);
    }

    public List<PoolClient> clients() {
        return List.copyOf(clients);
    }

    public List<ServerConnection> servers() {
        lock.lock();
        try {
            return List.copyOf(servers);
        } finally {
            lock.unlock();
        }
    }

    public boolean isPaused() {
        lock.lock();
        try {
            return paused;
        } finally {
            lock.unlock();
        }
    }

    /** PAUSE: hands out no server from now on; completes when every leased one has come back. */
    public CompletableFuture<Void> pause() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        List<CompletableFuture<Void>> complete;
        lock.lock();
        try {
            paused = true;
            pauseDone.add(done);
            complete = pauseCompleted();
        } finally {
            lock.unlock();
        }
        complete.forEach(f -> f.complete(null));
        return done;
    }

    /** RESUME: waiting clients get servers again. */
    public void resume() {
        List<CompletableFuture<Void>> abandoned;
        lock.lock();
        try {
            paused = false;
            abandoned = new ArrayList<>(pauseDone);
            pauseDone.clear();
        } finally {
            lock.unlock();
        }
        abandoned.forEach(f -> f.cancel(false));
        dispatch();
    }

    /** RECONNECT: every server open now is closed instead of reused; idle ones right away. */
    public void reconnect() {
        reconnectNanos = System.nanoTime();
        List<ServerConnection> idleNow;
        lock.lock();
        try {
            idleNow = new ArrayList<>(idle);
            idle.clear(); // nobody is handed a connection about to close
        } finally {
            lock.unlock();
        }
        idleNow.forEach(ServerConnection::close);
    }

    /**
     * KILL: ends every client and closes every server connection of this database now; as in
     * PgBouncer, new clients then wait until RESUME.
     */
    public void kill() {
        lock.lock();
        try {
            paused = true;
        } finally {
            lock.unlock();
        }
        clients().forEach(client -> client.kill("database \"" + database.name() + "\" was killed by an administrator"));
        servers().forEach(ServerConnection::close);
    }

    /** Counts for SHOW POOLS-like views and tests. */
    public PoolStats stats() {
        lock.lock();
        try {
            return new PoolStats(database.name(), size, leased, idle.size(), waiters.size());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        List<ServerConnection> toClose;
        List<Waiter> toFail;
        lock.lock();
        try {
            closed = true;
            toClose = new ArrayList<>(idle);
            idle.clear();
            toFail = new ArrayList<>(waiters);
            waiters.clear();
        } finally {
            lock.unlock();
        }
        maintenance.cancel(false);
        toClose.forEach(ServerConnection::close);
        toFail.forEach(w -> w.promise().tryFailure(new PoolClosedException()));
    }
}
