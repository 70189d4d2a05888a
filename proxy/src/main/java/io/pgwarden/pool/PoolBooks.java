package io.pgwarden.pool;

import io.pgwarden.config.PoolSettings;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The books of one database's pool as plain state: which server connections are idle (per event
 * loop, their "home"), how many are leased or opening, who waits and in which order, pause,
 * reconnect, a move, lifetime, idle timeout, min_idle and the instance budget's claims. No Netty, no I/O, no
 * clock and no lock of its own: the caller passes the time, holds the pool's lock around every call,
 * and carries out what the methods decide (hand a server to a waiter, open one, close one).
 *
 * <p>Which waiter gets a freed server: the first waiter on the server's own loop, so that the
 * client and its server share a thread; but the longest waiter is passed over at most
 * {@link #MAX_PASSED_OVER} times, so no loop's clients wait for ever behind another's.
 *
 * @param <S> a server connection (the pool's lease of it)
 * @param <R> a client that asks for one
 */
final class PoolBooks<S, R> {

    /** How often the longest waiter may see a freed server go to a later waiter on the server's loop. */
    static final int MAX_PASSED_OVER = 4;

    /** Where a server connection is in the books. */
    enum EntryState {
        IDLE,
        /** Given to a client. */
        LEASED,
        /** Given back, being rolled back or reset before it is put back (still counts as leased). */
        RESETTING,
        /** Decided to close; still counts against pool_size until its socket has closed. */
        CLOSING,
        CLOSED
    }

    /** An event loop, as the books see it: its idle servers and its waiters. */
    static final class Home {
        final Object key;
        /** Most recently used first. */
        private final ArrayDeque<Entry<?>> idle = new ArrayDeque<>();
        private Waiter<?> first;
        private Waiter<?> last;

        Home(Object key) {
            this.key = key;
        }

        @Override
        public String toString() {
            return "Home(" + key + ")";
        }
    }

    /** One server connection in the books. */
    static final class Entry<S> {
        final S server;
        final Home home;
        final long openedAtNanos;
        private long idleSinceNanos;
        private EntryState state;

        private Entry(S server, Home home, long openedAtNanos, EntryState state) {
            this.server = server;
            this.home = home;
            this.openedAtNanos = openedAtNanos;
            this.idleSinceNanos = openedAtNanos;
            this.state = state;
        }

        EntryState state() {
            return state;
        }

        long idleSinceNanos() {
            return idleSinceNanos;
        }

        @Override
        public String toString() {
            return "Entry(" + server + ", " + state + ")";
        }
    }

    /**
     * A client's place in the queue. A client keeps one and reuses it for every acquisition (it is
     * in the queue at most once), so waiting allocates nothing; leaving the queue is O(1).
     */
    static final class Waiter<R> {
        final R requester;
        final Home home;
        private long sinceNanos;
        private boolean queued;
        private boolean throttled;
        private int passedOver;
        private Waiter<?> prev;
        private Waiter<?> next;
        private Waiter<?> homePrev;
        private Waiter<?> homeNext;

        Waiter(R requester, Home home) {
            this.requester = requester;
            this.home = home;
        }

        long sinceNanos() {
            return sinceNanos;
        }

        boolean queued() {
            return queued;
        }
    }

    /** What {@link #dispatch} decided for one waiter: hand it {@code idle}, or open a server for it when null. */
    record Grant<S, R>(Waiter<R> waiter, Entry<S> idle) {
    }

    private PoolSettings settings;
    /** The budget of the instance the servers are on: a move hands the pool to another's. */
    private PoolBudget budget;
    private final RecentPeak recentPeak;
    private final Home[] homes;
    private Waiter<?> first;
    private Waiter<?> last;
    private int waiting;
    /** Open or opening connections: what counts against pool_size. */
    private int size;
    private int opening;
    private int leased;
    private int resetting;
    private int idleCount;
    private boolean paused;
    /**
     * A reload moved the database (another backend or dbname): nothing is handed out, every server
     * open now is closed as soon as it is free, and the queue's query_wait_timeout does not run,
     * until {@link #finishMove} once none is left. Apart from {@link #paused}: PAUSE and RESUME
     * during a move neither end it nor are lost by it.
     */
    private boolean moving;
    /** When the last move ended: the queue's query_wait_timeout counts from then for who waited through it. */
    private long movedAtNanos = Long.MIN_VALUE;
    private boolean closed;
    private long reconnectNanos = Long.MIN_VALUE;
    private boolean reconnectSet;
    private long throttledTotal;

    PoolBooks(PoolSettings settings, PoolBudget budget, RecentPeak recentPeak, List<Home> homes) {
        this.settings = settings;
        this.budget = budget;
        this.recentPeak = recentPeak;
        this.homes = homes.toArray(new Home[0]);
    }

    // ---- taking and putting back ------------------------------------------------------------------

    /**
     * A client asks for a server: an idle one (from its own loop if there is one) when nobody waits
     * before it, else it joins the queue and null is returned; {@link #dispatch} then decides whether
     * a server is opened for the queue. The caller checks {@link #closed()} first.
     */
    @SuppressWarnings("unchecked")
    Entry<S> take(Waiter<R> waiter, long now) {
        if (waiter.queued) {
            throw new IllegalStateException("already waiting");
        }
        waiter.sinceNanos = now;
        waiter.passedOver = 0;
        waiter.throttled = false;
        if (!held() && first == null) {
            Entry<S> entry = (Entry<S>) takeIdle(waiter.home);
            if (entry != null) {
                lease(entry);
                return entry;
            }
        }
        enqueue(waiter);
        return null;
    }

    /**
     * Serves the queue from idle servers, and plans new connections while under the cap and as far
     * as the budget grants. Runs after a client joined the queue, after a server closed, on resume
     * and when the reserve opens. Follow-ups of the budget go to {@code followUps}.
     */
    @SuppressWarnings("unchecked")
    List<Grant<S, R>> dispatch(long now, List<Runnable> followUps) {
        List<Grant<S, R>> grants = List.of();
        while (!closed && !held() && first != null) {
            Waiter<R> head = (Waiter<R>) first;
            Entry<S> entry = (Entry<S>) takeIdle(head.home);
            if (entry != null) {
                dequeue(head);
                lease(entry);
                grants = add(grants, new Grant<>(head, entry));
                continue;
            }
            int cap = cap(head, now);
            if (size >= cap) {
                break;
            }
            if (!budget.request(cap, busy(), recentPeak.peak(), waiting, followUps)) {
                if (!head.throttled) { // a client, once: dispatch runs again at every wake-up
                    head.throttled = true;
                    throttledTotal++;
                }
                break;
            }
            dequeue(head);
            size++;
            opening++;
            leased++;
            recentPeak.record(busy());
            grants = add(grants, new Grant<>(head, null));
        }
        if (first == null) {
            budget.changed(settings.size(), busy(), recentPeak.peak(), 0, followUps);
        }
        return grants;
    }

    private static <T> List<T> add(List<T> list, T item) {
        List<T> grown = list.isEmpty() ? new ArrayList<>(2) : list;
        grown.add(item);
        return grown;
    }

    /**
     * A server comes back. It goes to a waiter (returned; the entry is then leased to it), or idle,
     * or is to be closed ({@link Entry#state()} is {@link EntryState#CLOSING}): when it is not
     * reusable, past its lifetime or opened before a RECONNECT, the pool is closed, or the instance
     * budget wants it for a database below its share.
     */
    @SuppressWarnings("unchecked")
    Waiter<R> put(Entry<S> entry, long now, boolean reusable) {
        if (entry.state != EntryState.LEASED && entry.state != EntryState.RESETTING) {
            throw new IllegalStateException("put back a server that is " + entry.state);
        }
        unlease(entry);
        if (closed || moving || !reusable || expired(entry, now)) {
            entry.state = EntryState.CLOSING;
            return null;
        }
        if (budget.mustYield(cap(now), busy() - 1, recentPeak.peak(), waiting)) {
            entry.state = EntryState.CLOSING; // above its share while a database below its share waits
            return null;
        }
        Waiter<R> next = held() ? null : (Waiter<R>) pickWaiter(entry.home);
        if (next == null) {
            toIdle(entry, now);
            return null;
        }
        dequeue(next);
        lease(entry);
        return next;
    }

    /** The server will be rolled back or reset before it is put back (SHOW POOLS: sv_tested). */
    void resetting(Entry<S> entry) {
        if (entry.state == EntryState.LEASED) {
            entry.state = EntryState.RESETTING;
            resetting++;
        }
    }

    /** A server opened for {@code waiter} by {@link #dispatch} logged in: it is that waiter's. */
    Entry<S> opened(S server, Home home, long now) {
        opening--;
        return new Entry<>(server, home, now, EntryState.LEASED);
    }

    /** A warm server opened by {@link #maintain} logged in: leased for now, {@link #put} next (to a waiter or idle). */
    Entry<S> openedWarm(S server, Home home, long now) {
        opening--;
        leased++;
        return new Entry<>(server, home, now, EntryState.LEASED);
    }

    /** Opening a server failed; {@code forWaiter} when it was opened for a client. */
    void openFailed(boolean forWaiter, List<Runnable> followUps) {
        opening--;
        size--;
        if (forWaiter) {
            leased--;
        }
        budget.returned(cap(Long.MIN_VALUE), busy(), recentPeak.peak(), waiting, followUps);
    }

    /** A server's socket closed, whatever state it was in. False when it was already closed. */
    boolean closed(Entry<S> entry, List<Runnable> followUps) {
        switch (entry.state) {
            case CLOSED -> {
                return false;
            }
            case IDLE -> {
                entry.home.idle.remove(entry);
                idleCount--;
            }
            case LEASED, RESETTING -> unlease(entry);
            case CLOSING -> {
            }
        }
        entry.state = EntryState.CLOSED;
        size--;
        budget.returned(cap(Long.MIN_VALUE), busy(), recentPeak.peak(), waiting, followUps);
        return true;
    }

    /** Leaves the queue (timed out, or the client went away): O(1). False when it was not queued. */
    boolean remove(Waiter<R> waiter, List<Runnable> followUps) {
        if (!waiter.queued) {
            return false;
        }
        dequeue(waiter);
        budget.changed(cap(Long.MIN_VALUE), busy(), recentPeak.peak(), waiting, followUps);
        return true;
    }

    // ---- time ---------------------------------------------------------------------------------------

    /** The longest waiter, when it has waited query_wait_timeout by {@code now}: out of the queue, to be refused. */
    @SuppressWarnings("unchecked")
    Waiter<R> expire(long now, List<Runnable> followUps) {
        Waiter<R> head = (Waiter<R>) first;
        if (head == null || moving || now - waitCountsFrom(head) < settings.queryWaitTimeout().toNanos()) {
            return null;
        }
        remove(head, followUps);
        return head;
    }

    /**
     * When the queue next needs a look (the longest waiter times out, or the reserve opens for it),
     * or {@link Long#MAX_VALUE} when nobody waits. The queue is in arrival order, so its head's
     * deadlines come first.
     */
    long nextDeadline(long now) {
        Waiter<?> head = first;
        if (head == null || moving) {
            return Long.MAX_VALUE; // a move holds its waiters without a deadline: finishMove's dispatch looks again
        }
        long expiry = waitCountsFrom(head) + settings.queryWaitTimeout().toNanos();
        long reserveOpens = head.sinceNanos + settings.reservePoolTimeout().toNanos();
        if (settings.reservePool() > 0 && reserveOpens - now > 0) {
            return Math.min(expiry, reserveOpens);
        }
        return expiry;
    }

    /**
     * Once a second: idle servers past server_idle_timeout (above min_idle) or their lifetime are
     * taken out to be closed (added to {@code toClose}, oldest first), the budget hears the pool's
     * demand, and the number of warm servers to open for min_idle is returned (already counted as opening).
     */
    @SuppressWarnings("unchecked")
    int maintain(long now, List<Entry<S>> toClose, List<Runnable> followUps) {
        if (closed) {
            return 0;
        }
        recentPeak.advance(busy());
        budget.rebalance(cap(now), busy(), recentPeak.peak(), waiting, followUps);
        long idleTimeout = settings.serverIdleTimeout().toNanos();
        for (Home home : homes) {
            for (Iterator<Entry<?>> it = home.idle.descendingIterator(); it.hasNext(); ) {
                Entry<S> entry = (Entry<S>) it.next();
                boolean idleTooLong = idleTimeout > 0 && now - entry.idleSinceNanos > idleTimeout && idleCount > settings.minIdle();
                if (idleTooLong || expired(entry, now)) {
                    it.remove();
                    idleCount--;
                    entry.state = EntryState.CLOSING;
                    toClose.add(entry);
                }
            }
        }
        int warm = size - leased - toClose.size(); // idle and opening, less what closes now
        int toOpen = 0;
        if (first == null && !held() && warm < settings.minIdle()) {
            int wanted = Math.max(0, Math.min(settings.minIdle() - warm, settings.size() - size + toClose.size()));
            for (int i = 0; i < wanted; i++) {
                if (!budget.request(settings.size(), busy(), recentPeak.peak(), 0, followUps)) {
                    break; // warm connections are a nicety: never at another database's expense
                }
                size++;
                opening++;
                toOpen++;
            }
        }
        return toOpen;
    }

    /** Where query_wait_timeout counts from for {@code waiter}: its arrival, or the end of a move it waited through. */
    private long waitCountsFrom(Waiter<?> waiter) {
        return movedAtNanos != Long.MIN_VALUE && movedAtNanos - waiter.sinceNanos > 0 ? movedAtNanos : waiter.sinceNanos;
    }

    // ---- a move -------------------------------------------------------------------------------------

    /**
     * A reload moved the database: from now on nothing is handed out (clients wait, without
     * query_wait_timeout), and every server open or opening now is closed once it is free. Returns the
     * idle ones, to close now. A move during a move changes nothing here: the servers are closing already.
     */
    List<Entry<S>> beginMove() {
        moving = true;
        return takeAllIdle();
    }

    /** True when moving and no server of the old location is left, open, opening or closing: {@link #finishMove} may run. */
    boolean moveDrained() {
        return moving && size == 0;
    }

    /**
     * The old location is empty: the pool's claims go to {@code next} (the new instance's budget, or
     * the same one for another dbname), and the held clients are served again (the caller dispatches);
     * who waited through the move gets a full query_wait_timeout from {@code now}.
     */
    void finishMove(PoolBudget next, long now) {
        if (!moveDrained()) {
            throw new IllegalStateException("a move finishes once no server is left: " + size + " still open");
        }
        moving = false;
        budget = next;
        movedAtNanos = now;
        reconnectSet = false; // every server from before is gone: nothing open now needs closing
    }

    boolean moving() {
        return moving;
    }

    /** Handing out nothing: paused by an administrator, or moving. */
    private boolean held() {
        return paused || moving;
    }

    // ---- admin ----------------------------------------------------------------------------------------

    /** PAUSE: nothing is handed out from now on. */
    void pause() {
        paused = true;
    }

    /** True when paused and nothing is leased or opening any more: PAUSE is done (a move never hands out either). */
    boolean pauseSatisfied() {
        return paused && leased == 0 && opening == 0;
    }

    /** RESUME: the caller dispatches next. */
    void resume() {
        paused = false;
    }

    boolean paused() {
        return paused;
    }

    /** A reload: the new settings count from the next decision on (a smaller pool_size closes no leased server). */
    void settings(PoolSettings next) {
        settings = next;
    }

    /** Whether RECONNECT (or a reload) marked this server for closing and it is not closed yet: PgBouncer's close_needed. */
    boolean closeNeeded(Entry<S> entry) {
        return reconnectSet && entry.openedAtNanos <= reconnectNanos && entry.state != EntryState.CLOSED;
    }

    /** Open or opening connections over {@code pool_size} (after a reload made it smaller). */
    int overSize() {
        return Math.max(0, size - settings.size() - settings.reservePool());
    }

    /** RECONNECT: every server opened until now is closed when it comes back; idle ones are returned to close now. */
    List<Entry<S>> reconnect(long now) {
        reconnectNanos = now;
        reconnectSet = true;
        return takeAllIdle();
    }

    /** The budget wants {@code count} connections back: the oldest idle ones, to be closed. */
    @SuppressWarnings("unchecked")
    List<Entry<S>> takeOldestIdle(int count) {
        List<Entry<S>> taken = new ArrayList<>(Math.min(count, idleCount));
        while (taken.size() < count && idleCount > 0) {
            Home oldestHome = null;
            for (Home home : homes) {
                Entry<?> tail = home.idle.peekLast();
                if (tail != null && (oldestHome == null || tail.idleSinceNanos < oldestHome.idle.peekLast().idleSinceNanos)) {
                    oldestHome = home;
                }
            }
            Entry<S> entry = (Entry<S>) oldestHome.idle.pollLast();
            idleCount--;
            entry.state = EntryState.CLOSING;
            taken.add(entry);
        }
        return taken;
    }

    /** The pool shuts down: idle servers to close and waiters to refuse. */
    List<Entry<S>> close(List<Waiter<R>> refused) {
        closed = true;
        collectWaiters(refused);
        return takeAllIdle();
    }

    @SuppressWarnings("unchecked")
    private void collectWaiters(List<Waiter<R>> into) {
        while (first != null) {
            Waiter<R> head = (Waiter<R>) first;
            dequeue(head);
            into.add(head);
        }
    }

    private List<Entry<S>> takeAllIdle() {
        return takeOldestIdle(idleCount);
    }

    boolean closed() {
        return closed;
    }

    // ---- counts (SHOW POOLS, gauges, the budget) ---------------------------------------------------------

    int size() {
        return size;
    }

    int leased() {
        return leased;
    }

    int idle() {
        return idleCount;
    }

    int opening() {
        return opening;
    }

    int resetting() {
        return resetting;
    }

    int waiting() {
        return waiting;
    }

    /** In use or opening: what the budget counts as busy. */
    int busy() {
        return size - idleCount;
    }

    long maxWaitNanos(long now) {
        return first == null ? 0 : now - first.sinceNanos;
    }

    /** Clients that had to wait for the instance budget rather than pool_size, each counted once. */
    long throttledTotal() {
        return throttledTotal;
    }

    /** The cap the budget sees: pool_size, plus the reserve while the first waiter qualifies for it. */
    int cap(long now) {
        return first == null ? settings.size() : cap(first, now);
    }

    private int cap(Waiter<?> head, long now) {
        boolean reserveOpen = settings.reservePool() > 0 && now != Long.MIN_VALUE
                && now - head.sinceNanos >= settings.reservePoolTimeout().toNanos();
        return settings.size() + (reserveOpen ? settings.reservePool() : 0);
    }

    boolean expired(Entry<S> entry, long now) {
        long lifetime = settings.serverLifetime().toNanos();
        return lifetime > 0 && now - entry.openedAtNanos > lifetime || reconnectSet && entry.openedAtNanos <= reconnectNanos;
    }

    // ---- the lists ------------------------------------------------------------------------------------

    private Entry<?> takeIdle(Home preferred) {
        Entry<?> entry = preferred.idle.pollFirst();
        if (entry == null) {
            for (Home home : homes) {
                entry = home.idle.pollFirst();
                if (entry != null) {
                    break;
                }
            }
        }
        if (entry != null) {
            idleCount--;
        }
        return entry;
    }

    private void toIdle(Entry<S> entry, long now) {
        entry.state = EntryState.IDLE;
        entry.idleSinceNanos = now;
        entry.home.idle.addFirst(entry);
        idleCount++;
    }

    private void lease(Entry<?> entry) {
        entry.state = EntryState.LEASED;
        leased++;
        recentPeak.record(busy());
    }

    private void unlease(Entry<?> entry) {
        if (entry.state == EntryState.RESETTING) {
            resetting--;
        }
        leased--;
    }

    private Waiter<?> pickWaiter(Home home) {
        Waiter<?> head = first;
        if (head == null) {
            return null;
        }
        Waiter<?> local = home.first;
        if (local != null && local != head && head.passedOver < MAX_PASSED_OVER) {
            head.passedOver++;
            return local;
        }
        return head;
    }

    private void enqueue(Waiter<?> waiter) {
        waiter.queued = true;
        waiter.prev = last;
        waiter.next = null;
        if (last == null) {
            first = waiter;
        } else {
            last.next = waiter;
        }
        last = waiter;
        Home home = waiter.home;
        waiter.homePrev = home.last;
        waiter.homeNext = null;
        if (home.last == null) {
            home.first = waiter;
        } else {
            home.last.homeNext = waiter;
        }
        home.last = waiter;
        waiting++;
    }

    private void dequeue(Waiter<?> waiter) {
        if (waiter.prev == null) {
            first = waiter.next;
        } else {
            waiter.prev.next = waiter.next;
        }
        if (waiter.next == null) {
            last = waiter.prev;
        } else {
            waiter.next.prev = waiter.prev;
        }
        Home home = waiter.home;
        if (waiter.homePrev == null) {
            home.first = waiter.homeNext;
        } else {
            waiter.homePrev.homeNext = waiter.homeNext;
        }
        if (waiter.homeNext == null) {
            home.last = waiter.homePrev;
        } else {
            waiter.homeNext.homePrev = waiter.homePrev;
        }
        waiter.prev = waiter.next = waiter.homePrev = waiter.homeNext = null;
        waiter.queued = false;
        waiting--;
    }
}
