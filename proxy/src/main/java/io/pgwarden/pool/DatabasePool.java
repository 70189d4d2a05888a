package io.pgwarden.pool;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgwarden.backend.BackendConnector;
import io.pgwarden.backend.ServerConnection;
import io.pgwarden.config.BackendConfig;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.PoolSettings;
import io.pgwarden.metrics.DatabaseMeters;
import io.pgwarden.metrics.MoveResult;
import io.pgwarden.metrics.PoolView;
import io.pgwarden.protocol.SqlState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The server connections of one logical database: a thin shell that carries out what its
 * {@link PoolBooks} decide. It holds the books' lock for the decision only, and does the effects
 * (hand a server to a client, open one, close one) after.
 *
 * <p>A client and the server it gets share an event loop where possible: an idle server on the
 * client's loop is taken first, and a freed server goes to a waiter on its own loop first. When
 * they share a loop, taking and giving back run inline, with no task and no wake-up.
 */
public final class DatabasePool implements AutoCloseable, ServerLease.Returns {

    private static final Logger log = LoggerFactory.getLogger(DatabasePool.class);
    private static final long MAINTENANCE_PERIOD_MILLIS = 1000;
    /**
     * Ticks of maintenance over which {@link RecentPeak} remembers connections in use: 20 s, long
     * enough that a database's ordinary bursts fall inside it (a connection taken away and needed
     * again costs a client a wait), short enough that a database gone quiet frees its share soon.
     */
    private static final int DEMAND_WINDOW_TICKS = 20;

    /** A client asking for a server. Its methods are called on {@link #loop()}. */
    public interface LeaseRequester {
        EventLoop loop();

        /** The server is the client's until it gives it back. */
        void granted(ServerLease lease);

        /** No server: query_wait_timeout passed, the pool closed, or a server opened for it failed to log in. */
        void refused(Throwable cause);
    }

    /** A client's place in the pool's queue, kept for the client's whole life and reused for every acquisition. */
    public static final class Ticket implements Runnable {
        private final LeaseRequester requester;
        private final PoolBooks.Waiter<Ticket> waiter;
        private volatile ServerLease granted;

        private Ticket(LeaseRequester requester, PoolBooks.Home home) {
            this.requester = requester;
            this.waiter = new PoolBooks.Waiter<>(this, home);
        }

        /** Delivers the grant on the client's loop (a task made once per client, not per grant). */
        @Override
        public void run() {
            ServerLease lease = granted;
            granted = null;
            requester.granted(lease);
        }
    }

    /**
     * The database's config in force: a reload replaces it ({@link #update}); new server connections use
     * it. Its backend and dbname are where the servers are: only the end of a {@link #move} changes them.
     */
    private volatile DatabaseConfig database;
    private volatile PoolSettings settings;
    /** The connector of the database's backend; a move's end replaces it. */
    private volatile BackendConnector connector;
    private final EventLoopGroup loops;
    private final ReentrantLock lock = new ReentrantLock();
    private final PoolBooks<ServerLease, Ticket> books;
    private final List<PoolBooks.Home> homes = new ArrayList<>();
    /** Every server connection open or opening, for SHOW SERVERS, RECONNECT and KILL. Under the lock. */
    private final Set<ServerLease> servers = new LinkedHashSet<>();
    private final Set<PoolClient> clients = ConcurrentHashMap.newKeySet();
    /** Replication clients: each has a server connection of its own, outside the books and pool_size. */
    private final Set<PoolClient> replicationClients = ConcurrentHashMap.newKeySet();
    /** Their server connections, open or opening: each holds one connection of the instance budget. */
    private final java.util.concurrent.atomic.AtomicInteger replicationServers = new java.util.concurrent.atomic.AtomicInteger();
    private final DatabaseMeters meters;
    /** The budget of the instance the servers are on; a move's end replaces it. */
    private volatile InstanceBudget budget;
    /** The move in progress, or null. Under the lock. */
    private Move move;
    private final PinnedClients pinned;
    /** PAUSE: these complete once no server is leased any more. Under the lock. */
    private final List<CompletableFuture<Void>> pauseDone = new ArrayList<>();
    private final ScheduledFuture<?> maintenance;
    private final PoolGauges view;
    /** DISABLE: new clients are refused until ENABLE. */
    private volatile boolean disabled;
    /** WAIT_CLOSE: these complete once no server marked for closing is left. Under the lock. */
    private final List<CompletableFuture<Void>> closeWaiters = new ArrayList<>();
    /** Removed from the config: serves its clients until they are gone, then {@link #onRetired} runs. */
    private volatile boolean retired;
    private final java.util.concurrent.atomic.AtomicReference<Runnable> onRetired = new java.util.concurrent.atomic.AtomicReference<>();
    /** When the queue's timer fires next (System.nanoTime), or Long.MAX_VALUE when none is set. Under the lock. */
    private long queueTimerAt = Long.MAX_VALUE;

    public DatabasePool(DatabaseConfig database, BackendConnector connector, EventLoopGroup loops, DatabaseMeters meters,
                        InstanceBudget budget) {
        this.database = database;
        this.settings = database.pool();
        this.connector = connector;
        this.loops = loops;
        this.meters = meters;
        this.budget = budget;
        this.pinned = new PinnedClients(settings.maxPinnedClients());
        for (EventExecutor loop : loops) {
            homes.add(new PoolBooks.Home(loop));
        }
        this.view = new PoolGauges(() -> this.database, this::stats, () -> this.budget.share(database.name()),
                replicationServers::get);
        this.books = new PoolBooks<>(settings, PoolBudget.of(budget, database.name()), new RecentPeak(DEMAND_WINDOW_TICKS), homes);
        budget.join(database.name(), settings.weight(), settings.minConnections(), settings.size() + settings.reservePool(),
                this::dispatch, this::closeIdle);
        this.maintenance = loops.next().scheduleWithFixedDelay(this::maintain,
                MAINTENANCE_PERIOD_MILLIS, MAINTENANCE_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    public DatabaseConfig databaseConfig() {
        return database;
    }

    public String database() {
        return database.name();
    }

    private PoolBooks.Home home(EventLoop loop) {
        for (PoolBooks.Home home : homes) {
            if (home.key == loop) {
                return home;
            }
        }
        throw new IllegalArgumentException(loop + " is not one of the pool's event loops");
    }

    /** A client's place in the queue, for all its acquisitions. */
    public Ticket ticket(LeaseRequester requester) {
        return new Ticket(requester, home(requester.loop()));
    }

    // ---- taking -------------------------------------------------------------------------------------

    /**
     * A server for the ticket's client: an idle one (preferably on the client's loop), a new one while
     * under pool_size and as far as the instance budget grants, or the next one given back. The answer
     * comes on the client's loop; inline when a server on that loop was idle.
     */
    public void acquire(Ticket ticket) {
        long now = System.nanoTime();
        PoolBooks.Entry<ServerLease> taken;
        boolean closed;
        lock.lock();
        try {
            closed = books.closed();
            taken = closed ? null : books.take(ticket.waiter, now);
        } finally {
            lock.unlock();
        }
        if (closed) {
            deliverRefusal(ticket.waiter, new PoolClosedException());
        } else if (taken != null) {
            meters.clientWaitEnded(0, false);
            deliver(ticket, taken.server);
        } else {
            dispatch();
        }
    }

    /** A waiting client left: out of the queue. */
    public void cancel(Ticket ticket) {
        List<Runnable> followUps = new ArrayList<>(0);
        lock.lock();
        try {
            books.remove(ticket.waiter, followUps);
        } finally {
            lock.unlock();
        }
        followUps.forEach(Runnable::run);
    }

    /** Serves the queue from idle servers, opens servers for it, and keeps its timer set. */
    private void dispatch() {
        long now = System.nanoTime();
        List<Runnable> followUps = new ArrayList<>(0);
        List<PoolBooks.Grant<ServerLease, Ticket>> grants;
        long timerAt;
        lock.lock();
        try {
            grants = books.dispatch(now, followUps);
            timerAt = armQueueTimer(now);
        } finally {
            lock.unlock();
        }
        scheduleQueueTimer(timerAt, now);
        for (PoolBooks.Grant<ServerLease, Ticket> grant : grants) {
            if (grant.idle() != null) {
                meters.clientWaitEnded(now - grant.waiter().sinceNanos(), false);
                deliver(ticketOf(grant.waiter()), grant.idle().server);
            } else {
                openFor(grant.waiter());
            }
        }
        followUps.forEach(Runnable::run);
    }

    /** The queue's next deadline, when no timer is set for it yet (then it is now). Under the lock. */
    private long armQueueTimer(long now) {
        long next = books.nextDeadline(now);
        if (next == Long.MAX_VALUE || queueTimerAt <= next) {
            return Long.MAX_VALUE;
        }
        queueTimerAt = next;
        return next;
    }

    private void scheduleQueueTimer(long at, long now) {
        if (at != Long.MAX_VALUE) {
            loops.next().schedule(this::onQueueTimer, Math.max(0, at - now), TimeUnit.NANOSECONDS);
        }
    }

    /** The longest waiter's deadline: refuse who waited query_wait_timeout, open the reserve, set the next. */
    private void onQueueTimer() {
        long now = System.nanoTime();
        List<Runnable> followUps = new ArrayList<>(0);
        List<PoolBooks.Waiter<Ticket>> expired = new ArrayList<>(0);
        lock.lock();
        try {
            queueTimerAt = Long.MAX_VALUE;
            for (PoolBooks.Waiter<Ticket> waiter; (waiter = books.expire(now, followUps)) != null; ) {
                expired.add(waiter);
            }
        } finally {
            lock.unlock();
        }
        for (PoolBooks.Waiter<Ticket> waiter : expired) {
            meters.clientWaitEnded(now - waiter.sinceNanos(), true);
            deliverRefusal(waiter, new PoolExhaustedException("no server connection for database \"" + database.name()
                    + "\" became free within query_wait_timeout (" + settings.queryWaitTimeout().toMillis()
                    + " ms): all " + settings.size() + " of its pool_size are in use"));
        }
        followUps.forEach(Runnable::run);
        dispatch(); // the reserve may be open now; sets the timer for the next deadline
    }

    // ---- giving back (on the server's loop) ---------------------------------------------------------------

    /** The lease is over: the server goes to a waiter (its own loop's first), idle, or is closed. */
    @Override
    public void checkIn(ServerLease lease, boolean reusable) {
        assert lease.loop().inEventLoop() : "checked in off the server's loop";
        long now = System.nanoTime();
        PoolBooks.Waiter<Ticket> next;
        PoolBooks.EntryState after;
        List<CompletableFuture<Void>> paused;
        lock.lock();
        try {
            PoolBooks.Entry<ServerLease> entry = lease.entry();
            if (entry.state() == PoolBooks.EntryState.CLOSED) {
                return; // closed meanwhile: the books already know
            }
            next = books.put(entry, now, reusable && lease.server().channel().isActive());
            after = entry.state();
            paused = pauseCompleted();
        } finally {
            lock.unlock();
        }
        paused.forEach(done -> done.complete(null));
        if (after == PoolBooks.EntryState.CLOSING) {
            log.debug("closing {}: not reusable, expired, or the instance wants it back", lease);
            lease.server().close();
        } else if (next != null) {
            // the waiter may have queued after now was read, on another loop: a wait is never negative
            meters.clientWaitEnded(Math.max(0, now - next.sinceNanos()), false);
            deliver(ticketOf(next), lease);
        }
    }

    /** The server is being rolled back or reset before it is checked in (SHOW POOLS: sv_tested). */
    @Override
    public void resetting(ServerLease lease) {
        lock.lock();
        try {
            books.resetting(lease.entry());
        } finally {
            lock.unlock();
        }
    }

    private static Ticket ticketOf(PoolBooks.Waiter<Ticket> waiter) {
        return waiter.requester;
    }

    private void deliver(Ticket ticket, ServerLease lease) {
        lease.granted();
        EventLoop loop = ticket.requester.loop();
        if (loop.inEventLoop()) {
            ticket.requester.granted(lease);
        } else {
            ticket.granted = lease;
            loop.execute(ticket);
        }
    }

    private static void deliverRefusal(PoolBooks.Waiter<Ticket> waiter, Throwable cause) {
        LeaseRequester requester = waiter.requester.requester;
        if (requester.loop().inEventLoop()) {
            requester.refused(cause);
        } else {
            requester.loop().execute(() -> requester.refused(cause));
        }
    }

    // ---- replication: a server connection of the client's own ------------------------------------------

    /**
     * Opens a server connection for one replication client, on its loop, logged in as {@code login}
     * says: outside the books and pool_size, but one connection of the instance budget for as long as
     * it is open. Past the budget it fails at once with {@link PoolExhaustedException} (it never
     * queues: a pool's connection is never taken away for it). PAUSE and RECONNECT do not touch it;
     * KILL ends its client.
     */
    public Future<ServerConnection> openReplication(EventLoop loop, io.pgwarden.backend.BackendLogin login) {
        if (moving()) {
            return loop.newFailedFuture(new DatabaseMovingException("database \"" + database.name()
                    + "\" is moving to another instance: try again shortly"));
        }
        InstanceBudget budget = this.budget; // the one this connection counts in, should a move follow
        if (!budget.takeDedicated()) {
            return loop.newFailedFuture(new PoolExhaustedException("no server connection for a replication client of database \""
                    + database.name() + "\": all " + budget.capacity() + " connections of the budget of backend \""
                    + database.backend() + "\" are in use"));
        }
        replicationServers.incrementAndGet();
        Future<ServerConnection> opened = connector.connect(loop, database, login, DatabaseMeters.NONE);
        opened.addListener(f -> {
            if (f.isSuccess()) {
                ((ServerConnection) f.getNow()).channel().closeFuture().addListener(closed -> replicationServerGone(budget));
            } else {
                replicationServerGone(budget);
            }
        });
        return opened;
    }

    private void replicationServerGone(InstanceBudget budget) {
        replicationServers.decrementAndGet();
        budget.dedicatedReturned().forEach(Runnable::run);
    }

    // ---- opening and closing ---------------------------------------------------------------------------

    private void openFor(PoolBooks.Waiter<Ticket> waiter) {
        EventLoop loop = waiter.requester.requester.loop();
        connector.connect(loop, database, meters).addListener(f -> {
            if (f.isSuccess()) {
                ServerLease lease = adopt((ServerConnection) f.getNow(), loop, false);
                meters.clientWaitEnded(System.nanoTime() - waiter.sinceNanos(), false);
                deliver(ticketOf(waiter), lease);
            } else {
                openFailed(true);
                deliverRefusal(waiter, f.cause());
                dispatch();
            }
        });
    }

    private void openWarm() {
        EventLoop loop = loops.next();
        connector.connect(loop, database, meters).addListener(f -> {
            if (f.isSuccess()) {
                // on the server's loop (the connection's own): given back like any server, to a waiter or idle
                checkIn(adopt((ServerConnection) f.getNow(), loop, true), true);
            } else {
                openFailed(false);
                log.warn("could not open a warm server connection for database \"{}\": {}", database.name(), f.cause().getMessage());
            }
        });
    }

    /** A server that logged in joins the books (leased: to the client it was opened for, or to be checked in). */
    private ServerLease adopt(ServerConnection server, EventLoop loop, boolean warm) {
        ServerLease lease = new ServerLease(server, this, pinned);
        long now = System.nanoTime();
        lock.lock();
        try {
            lease.entry(warm ? books.openedWarm(lease, home(loop), now) : books.opened(lease, home(loop), now));
            servers.add(lease);
        } finally {
            lock.unlock();
        }
        watchClose(lease);
        return lease;
    }

    private void openFailed(boolean forWaiter) {
        List<Runnable> followUps = new ArrayList<>(1);
        boolean moved;
        lock.lock();
        try {
            books.openFailed(forWaiter, followUps);
            moved = move != null && books.moveDrained();
        } finally {
            lock.unlock();
        }
        followUps.forEach(Runnable::run);
        if (moved) {
            finishMove();
        }
    }

    /** When the socket closes, whatever the server was doing, the books hear of it (and a waiter may get its place). */
    private void watchClose(ServerLease lease) {
        lease.server().channel().closeFuture().addListener(f -> onClosed(lease));
    }

    private void onClosed(ServerLease lease) {
        lease.closed();
        List<Runnable> followUps = new ArrayList<>(1);
        List<CompletableFuture<Void>> paused;
        List<CompletableFuture<Void>> closedAll;
        boolean moved;
        lock.lock();
        try {
            books.closed(lease.entry(), followUps);
            servers.remove(lease);
            paused = pauseCompleted();
            closedAll = closeCompleted();
            moved = move != null && books.moveDrained();
        } finally {
            lock.unlock();
        }
        paused.forEach(done -> done.complete(null));
        closedAll.forEach(done -> done.complete(null));
        followUps.forEach(Runnable::run);
        if (moved) {
            finishMove(); // dispatches: the held clients get servers of the new location
        } else {
            dispatch();
        }
    }

    /** The budget wants connections back: close up to {@code count} idle ones, oldest first. */
    private void closeIdle(int count) {
        List<PoolBooks.Entry<ServerLease>> toClose;
        lock.lock();
        try {
            toClose = books.takeOldestIdle(count);
        } finally {
            lock.unlock();
        }
        toClose.forEach(entry -> entry.server.server().close());
    }

    /** Closes idle connections past server_idle_timeout or server_lifetime, keeps min_idle warm, reports to the budget. */
    private void maintain() {
        List<PoolBooks.Entry<ServerLease>> toClose = new ArrayList<>(0);
        List<Runnable> followUps = new ArrayList<>(0);
        int toOpen;
        lock.lock();
        try {
            toOpen = books.maintain(System.nanoTime(), toClose, followUps);
        } finally {
            lock.unlock();
        }
        toClose.forEach(entry -> entry.server.server().close());
        for (int i = 0; i < toOpen; i++) {
            openWarm();
        }
        followUps.forEach(Runnable::run);
    }

    /** WAIT_CLOSE waiters to complete now that no server marked for closing is left. Under the lock. */
    private List<CompletableFuture<Void>> closeCompleted() {
        if (closeWaiters.isEmpty()) {
            return List.of();
        }
        for (ServerLease lease : servers) {
            if (lease.entry() != null && books.closeNeeded(lease.entry())) {
                return List.of();
            }
        }
        List<CompletableFuture<Void>> done = new ArrayList<>(closeWaiters);
        closeWaiters.clear();
        return done;
    }

    /** WAIT_CLOSE: completes when every server RECONNECT or a reload marked for closing is closed. */
    public CompletableFuture<Void> waitClose() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        List<CompletableFuture<Void>> complete;
        lock.lock();
        try {
            closeWaiters.add(done);
            complete = closeCompleted();
        } finally {
            lock.unlock();
        }
        complete.forEach(f -> f.complete(null));
        return done;
    }

    /** DISABLE: new clients are refused (55000) until {@link #enable()}; connected ones go on. */
    public void disable() {
        disabled = true;
    }

    public void enable() {
        disabled = false;
    }

    public boolean disabled() {
        return disabled;
    }

    /** PAUSE waiters to complete now that nothing is leased. Under the lock. */
    private List<CompletableFuture<Void>> pauseCompleted() {
        if (pauseDone.isEmpty() || !books.pauseSatisfied()) {
            return List.of();
        }
        List<CompletableFuture<Void>> done = new ArrayList<>(pauseDone);
        pauseDone.clear();
        return done;
    }

    // ---- a move: a reload changed backend or dbname ----------------------------------------------------

    /**
     * How a move ended.
     *
     * @param heldNanos    how long new transactions were held: from the reload to the new location's first server allowed
     * @param clientsEnded clients ended at move_timeout because they were still on the old location
     */
    public record MoveOutcome(MoveResult result, long heldNanos, int clientsEnded) {
    }

    /** A move in progress: where to, since when, who was ended. Its fields under the pool's lock, but for the counters. */
    private static final class Move {
        final long startedNanos;
        final DatabaseConfig from;
        DatabaseConfig target;
        BackendConnector connector;
        InstanceBudget budget;
        final CompletableFuture<MoveOutcome> done = new CompletableFuture<>();
        final Set<PoolClient> ended = ConcurrentHashMap.newKeySet();
        volatile boolean pastTimeout;
        /** Sweeps since move_timeout; only the timer's task touches it. */
        int sweeps;

        Move(long startedNanos, DatabaseConfig from, DatabaseConfig target, BackendConnector connector, InstanceBudget budget) {
            this.startedNanos = startedNanos;
            this.from = from;
            this.target = target;
            this.connector = connector;
            this.budget = budget;
        }
    }

    /** What a client ended because its database moves is told (57P01: drivers and pools reconnect). */
    public static String movingMessage(String database) {
        return "terminating connection: database \"" + database + "\" is moving to another instance";
    }

    /**
     * A reload moved the database to {@code target} (another backend or dbname), served there by
     * {@code targetConnector} within {@code targetBudget}. Returns at once; the move runs on its own:
     * <ol>
     * <li>new transactions are held from now on: clients wait, query_wait_timeout does not run;</li>
     * <li>servers of the old location are closed as they come free: idle ones now, the others at the
     *     end of their transaction (transaction mode) or when their client leaves (session mode, pinned);</li>
     * <li>at move_timeout, who is still on the old location is ended with 57P01 (a transaction there
     *     included), and again each second after, until none is left; from two seconds after
     *     move_timeout on, a server of the old location that is still open (no client of its own
     *     left to end: a reset that hangs) is closed;</li>
     * <li>then the pool's claims go from the old instance's budget to the new one's, and the held
     *     clients are served from the new location.</li>
     * </ol>
     * Replication clients are ended when it begins (their slot is on the old instance). The future
     * completes when the move has ended. A move while one runs only changes where it goes.
     */
    public CompletableFuture<MoveOutcome> move(DatabaseConfig target, BackendConnector targetConnector, InstanceBudget targetBudget) {
        List<PoolBooks.Entry<ServerLease>> idleNow;
        Move started;
        int open;
        lock.lock();
        try {
            if (move != null) {
                move.target = target;
                move.connector = targetConnector;
                move.budget = targetBudget;
                log.info("database \"{}\": its move now goes to {}/{}", target.name(), target.backend(), target.dbname());
                return move.done;
            }
            if (books.closed()) {
                return CompletableFuture.completedFuture(new MoveOutcome(MoveResult.ABANDONED, 0, 0));
            }
            started = new Move(System.nanoTime(), database, target, targetConnector, targetBudget);
            move = started;
            open = books.size();
            idleNow = books.beginMove();
        } finally {
            lock.unlock();
        }
        long timeout = settings.moveTimeout().toMillis();
        log.info("database \"{}\": moving from {}/{} to {}/{}: new transactions held until its {} server connections there "
                        + "have closed (move_timeout {} ms)", target.name(), started.from.backend(), started.from.dbname(),
                target.backend(), target.dbname(), open, timeout);
        idleNow.forEach(entry -> entry.server.server().close());
        String message = movingMessage(target.name());
        replicationClients().forEach(client -> client.endAtBoundary(SqlState.ADMIN_SHUTDOWN, message));
        loops.next().schedule(() -> moveTimedOut(started), timeout, TimeUnit.MILLISECONDS);
        boolean drained;
        lock.lock();
        try {
            drained = move == started && books.moveDrained();
        } finally {
            lock.unlock();
        }
        if (drained) {
            finishMove();
        }
        return started.done;
    }

    /** True while a move holds the database's new transactions. */
    public boolean moving() {
        lock.lock();
        try {
            return move != null;
        } finally {
            lock.unlock();
        }
    }

    /** move_timeout passed (and each second after, until the move is over): who is still on the old location goes. */
    private void moveTimedOut(Move timedOut) {
        lock.lock();
        try {
            if (move != timedOut) {
                return; // over already
            }
        } finally {
            lock.unlock();
        }
        if (!timedOut.pastTimeout) {
            timedOut.pastTimeout = true;
            log.warn("database \"{}\": move_timeout passed with {} server connections still open on {}/{}: ending their clients",
                    database.name(), stats().open(), timedOut.from.backend(), timedOut.from.dbname());
        }
        String message = movingMessage(database.name()) + " (move_timeout passed)";
        for (PoolClient client : clients()) {
            client.endOnOldLocation(SqlState.ADMIN_SHUTDOWN, message, () -> timedOut.ended.add(client));
        }
        if (++timedOut.sweeps > 2) {
            List<ServerLease> left = servers();
            log.warn("database \"{}\": {} server connections still open on {}/{} two seconds past move_timeout: closing them",
                    database.name(), left.size(), timedOut.from.backend(), timedOut.from.dbname());
            left.forEach(lease -> lease.server().close());
        }
        loops.next().schedule(() -> moveTimedOut(timedOut), MAINTENANCE_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** No server of the old location is left: the pool is at the new one, and the held clients go on there. */
    private void finishMove() {
        long now = System.nanoTime();
        List<Runnable> followUps = new ArrayList<>(0);
        Move done;
        lock.lock();
        try {
            done = move;
            if (done == null || !books.moveDrained()) {
                return; // another thread finished it
            }
            move = null;
            InstanceBudget from = budget;
            String name = done.target.name();
            if (done.budget != from) {
                PoolSettings pool = done.target.pool();
                // pool, then budget: the order every pool keeps
                done.budget.join(name, pool.weight(), pool.minConnections(), pool.size() + pool.reservePool(),
                        this::dispatch, this::closeIdle);
                followUps.addAll(from.leave(name));
            }
            database = done.target;
            settings = done.target.pool();
            books.settings(settings);
            connector = done.connector;
            budget = done.budget;
            books.finishMove(PoolBudget.of(done.budget, name), now);
        } finally {
            lock.unlock();
        }
        followUps.forEach(Runnable::run);
        long held = now - done.startedNanos;
        MoveResult result = done.pastTimeout ? MoveResult.FORCED : MoveResult.CLEAN;
        meters.moveEnded(held, result, done.ended.size());
        log.info("database \"{}\": moved from {}/{} to {}/{}: new transactions were held {} ms{}", done.target.name(),
                done.from.backend(), done.from.dbname(), done.target.backend(), done.target.dbname(),
                TimeUnit.NANOSECONDS.toMillis(held), done.ended.isEmpty() ? ""
                        : "; " + done.ended.size() + " clients still on the old location at move_timeout were ended");
        dispatch();
        done.done.complete(new MoveOutcome(result, held, done.ended.size()));
    }

    // ---- what the admin console and the metrics see -----------------------------------------------

    public InstanceBudget budget() {
        return budget;
    }

    public BackendConfig backendConfig() {
        return connector.backend();
    }

    /** What SHOW POOLS, SHOW DATABASES and the gauges read of this pool. */
    public PoolView view() {
        return view;
    }

    /** The books' counts, read under the lock in one go (views, metrics and tests; never the forwarding path). */
    public PoolStats stats() {
        long now = System.nanoTime();
        lock.lock();
        try {
            return new PoolStats(books.size(), books.idle(), books.opening(), books.resetting(), books.waiting(),
                    books.maxWaitNanos(now), books.throttledTotal(), clients.size());
        } finally {
            lock.unlock();
        }
    }

    public DatabaseMeters meters() {
        return meters;
    }

    /** The database's pinned clients (transaction mode), for the bound, SHOW CLIENTS and the metrics. */
    public PinnedClients pinned() {
        return pinned;
    }

    public void register(PoolClient client) {
        clients.add(client);
    }

    public void unregister(PoolClient client) {
        clients.remove(client);
        if (retired && clients.isEmpty()) {
            finishRetirement();
        }
    }

    // ---- a reload -------------------------------------------------------------------------------------

    /**
     * A reload changed this database's settings: the pool and the budget use them from now on; new
     * clients get the new pool_mode and timeouts (connected ones keep theirs). A new role or
     * password, or another pool_mode, retires the open server connections as they come back. Another
     * backend or dbname is not taken from {@code next}: that is {@link #move}'s.
     */
    public void update(DatabaseConfig next) {
        DatabaseConfig before;
        List<PoolBooks.Entry<ServerLease>> over;
        List<Runnable> followUps;
        lock.lock();
        try {
            before = database;
            if (move != null) {
                move.target = next; // where it goes, with the settings it will have there
            }
            next = next.at(before.backend(), before.dbname()); // the servers stay where they are until a move ends
            database = next;
            settings = next.pool();
            books.settings(next.pool());
            over = books.takeOldestIdle(books.overSize());
            PoolSettings pool = next.pool();
            // pool, then budget; under the pool's lock so that a move's end does not hand the claim over meanwhile
            followUps = budget.reconfigure(next.name(), pool.weight(), pool.minConnections(), pool.size() + pool.reservePool());
        } finally {
            lock.unlock();
        }
        over.forEach(entry -> entry.server.server().close());
        followUps.forEach(Runnable::run);
        if (!before.user().equals(next.user()) || !before.password().equals(next.password())
                || before.pool().mode() != next.pool().mode()) {
            reconnect();
        }
        dispatch(); // a larger pool_size serves waiting clients now
    }

    /**
     * The database was removed from the config: it serves the clients it has until they are gone
     * (the reload ends each at its transaction's end), then closes its servers and runs {@code done}.
     */
    public void retire(Runnable done) {
        onRetired.set(done);
        retired = true;
        if (clients.isEmpty()) {
            finishRetirement();
        }
    }

    /** What a client of the old pool_mode is told at its transaction's end after a reload changed it. */
    public static String modeChangedMessage(String database) {
        return "the pool_mode of database \"" + database + "\" changed (configuration reloaded): reconnect";
    }

    public boolean retired() {
        return retired;
    }

    private void finishRetirement() {
        Runnable done = onRetired.getAndSet(null);
        if (done == null) {
            return; // the other caller got here first
        }
        log.info("database \"{}\": its last client is gone, closing its server connections", database.name());
        close();
        this.budget.reconfigure(database.name(), 1, 0, 0).forEach(Runnable::run); // its connections count until they close
        done.run();
    }

    public List<PoolClient> clients() {
        return List.copyOf(clients);
    }

    /** A replication client: shown by SHOW CLIENTS and ended by KILL, not counted in SHOW POOLS. */
    public void registerReplication(PoolClient client) {
        replicationClients.add(client);
    }

    public void unregisterReplication(PoolClient client) {
        replicationClients.remove(client);
    }

    public List<PoolClient> replicationClients() {
        return List.copyOf(replicationClients);
    }

    public List<ServerLease> servers() {
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
            return books.paused();
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
            books.pause();
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
            books.resume();
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
        List<PoolBooks.Entry<ServerLease>> idleNow;
        lock.lock();
        try {
            idleNow = books.reconnect(System.nanoTime());
        } finally {
            lock.unlock();
        }
        idleNow.forEach(entry -> entry.server.server().close());
    }

    /**
     * KILL: ends every client and closes every server connection of this database now; as in
     * PgBouncer, new clients then wait until RESUME.
     */
    public void kill() {
        lock.lock();
        try {
            books.pause();
        } finally {
            lock.unlock();
        }
        clients().forEach(client -> client.kill("database \"" + database.name() + "\" was killed by an administrator"));
        replicationClients().forEach(client -> client.kill("database \"" + database.name() + "\" was killed by an administrator"));
        servers().forEach(lease -> lease.server().close());
    }

    @Override
    public void close() {
        List<PoolBooks.Entry<ServerLease>> toClose;
        List<PoolBooks.Waiter<Ticket>> refused = new ArrayList<>();
        Move abandoned;
        lock.lock();
        try {
            toClose = books.close(refused);
            abandoned = move;
            move = null;
        } finally {
            lock.unlock();
        }
        if (abandoned != null) {
            log.warn("database \"{}\": its move to {}/{} is abandoned: the database was removed or pgwarden is stopping",
                    database.name(), abandoned.target.backend(), abandoned.target.dbname());
            meters.moveEnded(0, MoveResult.ABANDONED, abandoned.ended.size());
            abandoned.done.complete(new MoveOutcome(MoveResult.ABANDONED, System.nanoTime() - abandoned.startedNanos,
                    abandoned.ended.size()));
        }
        maintenance.cancel(false);
        toClose.forEach(entry -> entry.server.server().close());
        refused.forEach(waiter -> deliverRefusal(waiter, new PoolClosedException()));
    }
}
