package io.pgwarden.pool;

import io.netty.channel.EventLoop;
import io.pgwarden.backend.InternalQuery;
import io.pgwarden.backend.ServerConnection;
import io.pgwarden.backend.ServerListener;
import io.pgwarden.backend.ServerState;
import io.pgwarden.protocol.TransactionStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One server connection as the pool lends it out. It lives on the server's event loop (its owner)
 * and makes there, once, the decision "this server is free": at ReadyForQuery 'I' with nothing in
 * flight (transaction mode), or when its client leaves (session mode). At that moment, in the same
 * call, the client's listener is detached, so no later message of this server can reach a client
 * that has moved on to another one.
 *
 * <p>The client side hands frames over on its own loop; {@link #offer(int)} counts them in an atomic
 * that the server's loop compares, in one compare-and-set, with the frames it has processed. So a
 * release can never overtake a frame on its way: either the client's count went first and the
 * server stays, or the release went first and the client's offer fails and it takes a new server.
 * The count carries the grant it belongs to: a client not yet told that its lease ended cannot
 * count into the lease of the next client the server went to.
 *
 * <p>A cancel on its way to PostgreSQL for this server's query holds the release back until the
 * cancel's own connection has closed: a late cancel never hits the next client's query.
 *
 * <p>Pinning (transaction mode) is a lease that does not end at ReadyForQuery 'I': while its client
 * holds session state ({@link PinReason}s), {@link #endIfIdle()} keeps the server with it. When the
 * client leaves pinned, the server is reset with DISCARD ALL before anyone else gets it.
 */
public final class ServerLease {

    private static final Logger log = LoggerFactory.getLogger(ServerLease.class);

    /** {@link #handed} once the lease has ended: offers fail until it is granted again. */
    private static final long RELEASED = -1;
    /**
     * {@link #handed} is the grant (its low 23 bits) above a count of 40 bits: never negative, so
     * never {@link #RELEASED}. 2^40 frames in one grant would be years of a session at full speed.
     */
    private static final int COUNT_BITS = 40;
    private static final long COUNT_MASK = (1L << COUNT_BITS) - 1;
    private static final int GRANT_MASK = (1 << 23) - 1;

    /** Where a server goes when its lease is over: its pool. */
    interface Returns {
        /** The lease is over; the server is clean and may be reused when {@code reusable}. On the server's loop. */
        void checkIn(ServerLease lease, boolean reusable);

        /** The server is being rolled back or reset before it is checked in. On the server's loop. */
        void resetting(ServerLease lease);
    }

    private final ServerConnection server;
    private final Returns pool;
    private PoolBooks.Entry<ServerLease> entry;
    /** The grant and the frames its client handed over since ({@link #stamp}), or {@link #RELEASED}. Written by the client's loop. */
    private final AtomicLong handed = new AtomicLong(RELEASED);
    /** Grants so far: a cancel names the grant it was meant for. */
    private volatile int grant;
    private final AtomicInteger cancelsInFlight = new AtomicInteger();
    /** Frames processed on the server's loop since the grant. Owned by the server's loop. */
    private long processed;
    /** A release waiting for cancels in flight; owned by the server's loop. */
    private Runnable releaseAfterCancels;
    /** The end of a clean transaction, made once: endIfIdle runs at every transaction and allocates nothing. */
    private final Runnable checkInClean;
    private final PinnedClients pinned;
    /** The client's pin reasons ({@link PinReason#bit()}s); written on the server's loop, read by SHOW CLIENTS. */
    private volatile int pinReasons;

    ServerLease(ServerConnection server, Returns pool, PinnedClients pinned) {
        this.server = server;
        this.pool = pool;
        this.pinned = pinned;
        this.checkInClean = () -> pool.checkIn(this, true);
    }

    void entry(PoolBooks.Entry<ServerLease> entry) {
        this.entry = entry;
    }

    PoolBooks.Entry<ServerLease> entry() {
        return entry;
    }

    public ServerConnection server() {
        return server;
    }

    public EventLoop loop() {
        return server.channel().eventLoop();
    }

    /** What SHOW SERVERS shows: the books' state of this server (a racy read, for views only). */
    public ServerState state() {
        PoolBooks.Entry<ServerLease> current = entry;
        if (current == null) {
            return ServerState.LEASED;
        }
        return switch (current.state()) {
            case IDLE -> ServerState.IDLE;
            case LEASED -> ServerState.LEASED;
            case RESETTING -> ServerState.RESETTING;
            case CLOSING, CLOSED -> ServerState.CLOSED;
        };
    }

    /** Granted to a client: offers count from zero. Called by the pool before the client hears of it. */
    void granted() {
        grant++;
        handed.set(stamp(grant, 0));
    }

    private static long stamp(int grant, long count) {
        return ((long) (grant & GRANT_MASK) << COUNT_BITS) | count;
    }

    /** The grant the client holds now (it passes it back with a cancel). */
    public int grant() {
        return grant;
    }

    // ---- the client's side (any loop) -----------------------------------------------------------

    /**
     * The client of grant {@code expectedGrant} is about to hand one frame to this server. False when
     * that lease ended meanwhile (transaction mode: the server's loop released it at ReadyForQuery),
     * even if the server has been granted to another client since; the client then needs a new
     * server for the frame.
     */
    public boolean offer(int expectedGrant) {
        long grantBits = stamp(expectedGrant, 0);
        for (;;) {
            long current = handed.get();
            if (current == RELEASED || (current & ~COUNT_MASK) != grantBits) {
                return false;
            }
            if (handed.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /**
     * A cancel for the query of grant {@code expectedGrant} is about to be sent: true when it is still
     * that grant's, and the lease will not end until {@link #cancelDone()}.
     */
    public boolean cancelStarting(int expectedGrant) {
        cancelsInFlight.incrementAndGet();
        if (grant != expectedGrant || handed.get() == RELEASED) {
            cancelDone();
            return false; // released meanwhile: its query is over
        }
        return true;
    }

    /** The cancel's connection to PostgreSQL has closed (or failed). Any loop. */
    public void cancelDone() {
        if (cancelsInFlight.decrementAndGet() == 0) {
            onLoop(() -> {
                Runnable pending = releaseAfterCancels;
                if (pending != null && cancelsInFlight.get() == 0) {
                    releaseAfterCancels = null;
                    pending.run();
                }
            });
        }
    }

    // ---- the server's loop --------------------------------------------------------------------------

    /**
     * The client's listener receives this server's messages from now on. False when the server
     * closed between the grant and now: nobody would ever answer, and the client must be told. On
     * the server's loop (where a close is also seen, so it cannot slip in after this check).
     */
    public boolean attach(ServerListener listener) {
        assert loop().inEventLoop() : "attached off the server's loop";
        processed = 0;
        if (!alive()) {
            return false;
        }
        server.listener(listener);
        return true;
    }

    /** True when the server can still be used (it may have closed between the grant and now). On the server's loop. */
    public boolean alive() {
        PoolBooks.Entry<ServerLease> booked = entry;
        return server.channel().isActive() && (booked == null || booked.state() != PoolBooks.EntryState.CLOSED);
    }

    /** One frame of the client's was processed here. On the server's loop. */
    public void processed() {
        assert loop().inEventLoop() : "processed off the server's loop";
        processed++;
    }

    // ---- pinning (the server's loop) ----------------------------------------------------------------

    /**
     * The client creates session state for {@code reasons}: it keeps this server until they are gone.
     * False, and nothing changes, when it was not pinned yet and its database has max_pinned pinned
     * clients already. With {@code force} the bound is not asked (the state exists already).
     */
    public boolean pin(int reasons, boolean force) {
        assert loop().inEventLoop() : "pinned off the server's loop";
        int before = pinReasons;
        int added = reasons & ~before;
        if (added == 0) {
            return true;
        }
        if (before == 0) {
            if (force) {
                pinned.forcePin();
            } else if (!pinned.tryPin()) {
                return false;
            }
        }
        pinReasons = before | added;
        pinned.reasonsAdded(added);
        return true;
    }

    /** The session state behind {@code reasons} is gone; when no reason is left, the next 'I' ends the lease. */
    public void unpin(int reasons) {
        assert loop().inEventLoop() : "unpinned off the server's loop";
        int before = pinReasons;
        int removed = before & reasons;
        if (removed == 0) {
            return;
        }
        pinReasons = before & ~removed;
        pinned.reasonsRemoved(removed);
        if (pinReasons == 0) {
            pinned.unpinned();
        }
    }

    /** The client's pin reasons now (a racy read off the server's loop, for SHOW CLIENTS). */
    public int pinReasons() {
        return pinReasons;
    }

    /** The server closed: a pin on it counts no more. On the server's loop. */
    void closed() {
        unpin(PinReason.ALL);
    }

    /**
     * Transaction mode: the server said ReadyForQuery 'I' with nothing in flight. If every frame the
     * client handed over has been processed, and the client is not pinned, the lease ends here and
     * now: the listener is detached and the server goes back to the pool. True when it ended. On the
     * server's loop.
     */
    public boolean endIfIdle() {
        if (!releaseIfIdle()) {
            return false;
        }
        afterCancels(checkInClean);
        return true;
    }

    /**
     * For a client that must go at its next transaction boundary (a revoke, a drain): when the
     * server is idle outside a transaction with every frame processed, the lease ends, pinned or
     * not, and the server is reset as when its client leaves: with {@code resetQuery} (session
     * mode), or DISCARD ALL when the client was pinned. Nothing happens once grant {@code expectedGrant}
     * is over (the server may be another client's by then). True when the lease ended. On the server's loop.
     */
    public boolean endAtBoundary(int expectedGrant, String resetQuery) {
        assert loop().inEventLoop() : "released off the server's loop";
        if (grant != expectedGrant || !server.atRequestBoundary() || server.transactionStatus() != TransactionStatus.IDLE
                || !handed.compareAndSet(stamp(grant, processed), RELEASED)) {
            return false;
        }
        server.listener(null);
        boolean wasPinned = pinReasons != 0;
        unpin(PinReason.ALL);
        afterCancels(() -> resetAndCheckIn(wasPinned ? DISCARD_ALL : resetQuery, wasPinned));
        return true;
    }

    /** Ends the lease if the server is idle outside a transaction and every frame handed over was processed. */
    private boolean releaseIfIdle() {
        assert loop().inEventLoop() : "released off the server's loop";
        if (pinReasons != 0 || !server.atRequestBoundary() || server.transactionStatus() != TransactionStatus.IDLE
                || !handed.compareAndSet(stamp(grant, processed), RELEASED)) {
            return false;
        }
        server.listener(null);
        return true;
    }

    /**
     * The client of grant {@code expectedGrant} is done with this server (it left, its session ended,
     * or its login is over): roll back what it left open and, with {@code resetQuery}, reset the
     * session; then the server goes back to the pool, or is closed when a request is still running
     * on it. Nothing happens when that grant has ended already. Any loop.
     */
    public void end(int expectedGrant, String resetQuery) {
        onLoop(() -> {
            // handed first: a new grant writes the grant number before it resets handed
            if (handed.get() == RELEASED || grant != expectedGrant) {
                return;
            }
            handed.set(RELEASED);
            server.listener(null);
            boolean wasPinned = pinReasons != 0;
            unpin(PinReason.ALL);
            // a client that leaves pinned leaves its session state behind: nobody else may find it
            afterCancels(() -> resetAndCheckIn(wasPinned ? DISCARD_ALL : resetQuery, wasPinned));
        });
    }

    private static final String DISCARD_ALL = "DISCARD ALL";

    private void resetAndCheckIn(String resetQuery, boolean discardSessionState) {
        if (!server.channel().isActive()) {
            return; // the pool heard of the close
        }
        if (!server.atRequestBoundary()) {
            // a request still running (or half sent): rolling it back would mean waiting on it; PostgreSQL rolls back on close
            pool.checkIn(this, false);
            return;
        }
        List<String> statements = new ArrayList<>(2);
        if (server.transactionStatus() != TransactionStatus.IDLE) {
            statements.add("ROLLBACK");
        }
        if (resetQuery != null && !resetQuery.trim().equalsIgnoreCase(DISCARD_ALL)) {
            // session mode with a reset_query that leaves the role alone (or none): the next client
            // must still find the database's own role, whatever this one SET ROLE to
            statements.add(io.pgwarden.backend.ServerSessionState.IDENTITY_RESET);
        }
        if (resetQuery != null && !resetQuery.isBlank()) {
            statements.add(resetQuery);
        }
        if (statements.isEmpty()) {
            pool.checkIn(this, true);
            return;
        }
        pool.resetting(this);
        InternalQuery.run(server, statements).addListener(f -> {
            boolean clean = f.isSuccess() && ((Optional<?>) f.getNow()).isEmpty()
                    && server.transactionStatus() == TransactionStatus.IDLE;
            if (!clean && !server.channel().isActive()) {
                log.debug("server connection {} closed during its reset", server); // terminated or restarted: nothing to close
            } else if (!clean) {
                log.warn("closing a server connection of database \"{}\": reset failed ({})", server.database().name(),
                        f.isSuccess() ? f.getNow() : f.cause().getMessage());
            }
            server.listener(null);
            if (clean && discardSessionState) {
                server.sessionState().discarded();
            }
            pool.checkIn(this, clean);
        });
    }

    private void afterCancels(Runnable release) {
        if (cancelsInFlight.get() > 0) {
            releaseAfterCancels = release; // a cancel for the last query is on its way: wait until PostgreSQL has it
        } else {
            release.run();
        }
    }

    private void onLoop(Runnable task) {
        EventLoop loop = loop();
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    @Override
    public String toString() {
        return server.toString();
    }
}
