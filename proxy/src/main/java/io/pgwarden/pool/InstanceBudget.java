package io.pgwarden.pool;

import io.pgwarden.pool.FairShare.Claim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

/**
 * The server connections pgwarden may hold on one PostgreSQL instance, shared by its databases.
 * Every connection a pool opens is granted here first. While the budget has room and nobody else
 * waits for it, a grant is immediate: a database alone may use it all. Once databases compete, the
 * budget goes to the waiting database furthest below its weighted fair share ({@link FairShare}) of
 * the demands (a database's demand: the most connections it had in use at once over the last
 * seconds, see {@link RecentPeak}, or what it needs now if more);
 * a database above its share that has idle connections is asked to close them, and one whose
 * connections are all busy simply gets no more until the others are served. Nothing running is
 * ever interrupted.
 *
 * <p>Pools call in holding their own lock (pool, then budget: never the other way round). What a
 * decision asks of other pools (wake up, close idle connections) is returned as actions for the
 * caller to run once it holds no lock.
 */
public final class InstanceBudget implements io.pgwarden.metrics.BudgetView {

    /** A decision on one request, and what must happen elsewhere because of it. */
    public record Decision(boolean granted, List<Runnable> followUps) {
    }

    private static final Decision GRANTED = new Decision(true, List.of());
    private static final Decision KEEP_WAITING = new Decision(false, List.of());

    /** One database's standing with the budget. */
    private static final class Member {
        final String database;
        int weight;
        int minimum;
        final Runnable wakeUp;
        final IntConsumer closeIdle;
        int cap;
        int held;
        int busy;
        int recentPeak;
        int waiting;
        boolean throttled;
        double share;

        Member(String database, int weight, int minimum, int cap, Runnable wakeUp, IntConsumer closeIdle) {
            this.database = database;
            this.weight = weight;
            this.minimum = minimum;
            this.cap = cap;
            this.wakeUp = wakeUp;
            this.closeIdle = closeIdle;
        }

        /**
         * The most it had in use at once lately ({@link RecentPeak}) plus one spare, or what it needs
         * now (busy plus waiting) if that is more. The spare spares a database whose bursts vary by
         * one a wait at every slightly larger burst; a database that used nothing lately has none.
         * Connections it holds beyond that are not demand: they go to a database that waits.
         */
        int demand() {
            int recent = recentPeak == 0 ? 0 : recentPeak + 1;
            return Math.min(cap, Math.max(recent, busy + waiting));
        }

        /**
         * Connection-seconds it is owed: grows while it waits below its share, shrinks while it holds
         * more than its share. Shares are fractions and connections are not, so under overload someone
         * is always below its share; the credit makes connections take turns instead of leaving the
         * same database at 0 for ever.
         */
        double credit;

        double deficit() {
            return share - held;
        }
    }

    private final String backend;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Member> members = new LinkedHashMap<>();
    /** What pgwarden may hold on the instance; a reload or a fleet split changes it ({@link #setCapacity}). */
    private volatile int capacity;
    private volatile int used;
    /**
     * Of {@link #used}, the connections outside every pool (a replication client's own, for its whole
     * session): counted against the instance, never shared; the pools' fair shares split the rest.
     */
    private volatile int dedicated;
    /**
     * Databases waiting for budget now. While it is 0 (the steady state) the per-transaction calls
     * ({@link #changed}, {@link #mustYield}) return after one volatile read: no lock, no allocation.
     */
    private volatile int throttledMembers;
    /** Connections asked back by {@link #rebalance} are closed by then (a close is a round trip at most). */
    private static final long REBALANCE_RECLAIM_GAP_NANOS = 500_000_000L;
    /** A connection moves for credit alone once the taker is owed this much more than the giver. */
    private static final double TURN_CREDIT = 0.5;
    /** Credit is kept within this many connection-seconds either way: long waits are not banked for ever. */
    private static final double MAX_CREDIT = 10;
    private final LongSupplier clock;
    private long lastRebalanceReclaimNanos;
    private long lastAccrualNanos;

    public InstanceBudget(String backend, int capacity) {
        this(backend, capacity, System::nanoTime);
    }

    /** With {@code clock} for time (nanoseconds): tests run simulated time. */
    InstanceBudget(String backend, int capacity, LongSupplier clock) {
        this.backend = backend;
        this.capacity = capacity;
        this.clock = clock;
        this.lastAccrualNanos = clock.getAsLong();
        this.lastRebalanceReclaimNanos = lastAccrualNanos - REBALANCE_RECLAIM_GAP_NANOS;
    }

    @Override
    public String backend() {
        return backend;
    }

    /** The connections pgwarden may hold on the instance. */
    @Override
    public int capacity() {
        return capacity;
    }

    /** The connections held (open or opening) now. */
    @Override
    public int used() {
        return used;
    }

    /** The connections held outside every pool now (replication clients'). */
    public int dedicated() {
        return dedicated;
    }

    /**
     * One connection outside every pool (a replication client's own): granted while the instance has
     * room, refused otherwise; it never waits, and never takes a pool's connection away. It counts
     * against the budget until {@link #dedicatedReturned()}.
     */
    public boolean takeDedicated() {
        lock.lock();
        try {
            if (used >= capacity) {
                return false;
            }
            used++;
            dedicated++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** A connection of {@link #takeDedicated()} is gone: its budget goes to whichever database needs it most. */
    public List<Runnable> dedicatedReturned() {
        lock.lock();
        try {
            if (dedicated == 0) {
                throw new IllegalStateException("no dedicated connection is held on backend " + backend);
            }
            dedicated--;
            used = Math.max(0, used - 1);
            return wakeMostDeserving();
        } finally {
            lock.unlock();
        }
    }

    /**
     * This replica's new part of the instance (a fleet's split: {@link FleetBudgetSync}). Raised, the
     * waiting database owed most is woken. Lowered below what is held, databases above their share
     * (over the new capacity) close idle connections now and give busy ones back as they come free
     * ({@link #mustYield}): nothing running is interrupted.
     */
    public List<Runnable> setCapacity(int newCapacity) {
        lock.lock();
        try {
            accrue();
            capacity = Math.max(0, newCapacity);
            if (used < capacity) {
                return wakeMostDeserving();
            }
            if (used == capacity) {
                return List.of();
            }
            recomputeShares();
            List<Runnable> followUps = new ArrayList<>(members.size());
            shed(followUps);
            return followUps;
        } finally {
            lock.unlock();
        }
    }

    /** What each database uses and wants now, for the fleet's split. */
    public List<FleetSplit.Use> uses() {
        lock.lock();
        try {
            List<FleetSplit.Use> uses = new ArrayList<>(members.size());
            for (Member member : members.values()) {
                uses.add(new FleetSplit.Use(member.database, member.weight, member.minimum, member.demand(), member.held));
            }
            return uses;
        } finally {
            lock.unlock();
        }
    }

    /** The database's current weighted fair share (0 without demand). */
    public double share(String database) {
        lock.lock();
        try {
            Member member = members.get(database);
            return member == null ? 0 : member.share;
        } finally {
            lock.unlock();
        }
    }

    /**
     * @param cap       the most connections the database may hold (its pool_size, plus its reserve)
     * @param wakeUp    how to make the pool try again (it has waiting clients and budget freed up)
     * @param closeIdle how to make the pool close some of its idle connections
     */
    public void join(String database, int weight, int minimum, int cap, Runnable wakeUp, IntConsumer closeIdle) {
        lock.lock();
        try {
            Member before = members.get(database);
            Member member = new Member(database, weight, minimum, cap, wakeUp, closeIdle);
            if (before != null) {
                member.held = before.held; // a database removed and added again: its closing connections still count
            }
            members.put(database, member);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A reload changed the database's weight, min_connections or cap (0 when it was removed: it
     * then claims nothing, and its connections still count until they close). Shares are divided
     * again at once: what must happen elsewhere (pools to wake, idle connections to close) is returned.
     */
    public List<Runnable> reconfigure(String database, int weight, int minimum, int cap) {
        lock.lock();
        try {
            Member member = members.get(database);
            if (member == null) {
                throw new IllegalArgumentException("database " + database + " is not on backend " + backend);
            }
            member.weight = weight;
            member.minimum = minimum;
            member.cap = cap;
            return redivide();
        } finally {
            lock.unlock();
        }
    }

    /**
     * A move took the database to another instance: it has closed every connection it held here, and
     * leaves; the others' shares are divided again (what must happen elsewhere is returned). Should it
     * still hold some, it stays with no claim (cap 0) until they are returned, as a removed database does.
     */
    public List<Runnable> leave(String database) {
        lock.lock();
        try {
            Member member = members.get(database);
            if (member == null) {
                return List.of();
            }
            if (member.held == 0) {
                members.remove(database);
                if (member.throttled) {
                    throttle(member, false);
                }
            } else {
                member.weight = 1;
                member.minimum = 0;
                member.cap = 0;
            }
            return redivide();
        } finally {
            lock.unlock();
        }
    }

    /**
     * After a change of the rules: databases holding more than their share (or their cap) close
     * idle connections, and the most deserving waiting database is woken if budget is free. Under the lock.
     */
    private List<Runnable> redivide() {
        accrue();
        recomputeShares();
        List<Runnable> followUps = new ArrayList<>();
        int over = used - capacity;
        for (Member member : members.values()) {
            int excess = Math.max(member.held - member.cap, over > 0 ? (int) Math.ceil(member.held - member.share - 1e-9) : 0);
            if (excess > 0) {
                IntConsumer close = member.closeIdle;
                int count = excess;
                followUps.add(() -> close.accept(count));
            }
        }
        if (used < capacity) {
            followUps.addAll(wakeMostDeserving());
        }
        return followUps;
    }

    /**
     * One more connection for {@code database}, whose pool has {@code busy} connections in use (or
     * opening) and had at most {@code recentPeak} in use at once lately, has {@code waiting} clients,
     * and may hold {@code cap} at most now. Every call below reports the pool's numbers the same way.
     */
    public Decision request(String database, int cap, int busy, int recentPeak, int waiting) {
        lock.lock();
        try {
            Member member = update(database, cap, busy, recentPeak, waiting);
            if (waiting == 0 && (used >= capacity || throttledMembers > 0)) {
                // a warm (min_idle) connection nobody waits for: only from spare budget nobody else wants
                return KEEP_WAITING;
            }
            if (used >= capacity && member.throttled) {
                // already waiting for budget (a flood asks at every arrival): connections were asked back
                // when it began to wait, are on every return, and every second; its wake-up comes
                return KEEP_WAITING;
            }
            recomputeShares();
            List<Runnable> followUps = new ArrayList<>(1);
            if (used < capacity) {
                Member first = mostDeserving();
                if (first == null || first == member || compareDeserving(member, first) >= 0) {
                    used++;
                    member.held++;
                    throttle(member, false);
                    return GRANTED;
                }
                throttle(member, true);
                followUps.add(first.wakeUp);
                return new Decision(false, followUps);
            }
            throttle(member, true);
            reclaim(followUps);
            return new Decision(false, followUps);
        } finally {
            lock.unlock();
        }
    }

    /** A connection of {@code database} is gone (closed, or its opening failed): its budget goes to whoever needs it most. */
    public List<Runnable> returned(String database, int cap, int busy, int recentPeak, int waiting) {
        lock.lock();
        try {
            Member member = update(database, cap, busy, recentPeak, waiting);
            member.held = Math.max(0, member.held - 1);
            used = Math.max(0, used - 1);
            return wakeMostDeserving();
        } finally {
            lock.unlock();
        }
    }

    /** The pool's demand changed without a request (clients gave up or were served). */
    public List<Runnable> changed(String database, int cap, int busy, int recentPeak, int waiting) {
        if (throttledMembers == 0) {
            return List.of(); // nobody waits for budget: nothing to decide (counts arrive with the next request)
        }
        lock.lock();
        try {
            Member member = update(database, cap, busy, recentPeak, waiting);
            if (waiting == 0) {
                throttle(member, false);
            }
            return used < capacity ? wakeMostDeserving() : List.of();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The pool's periodic report (its recent peak may have dropped): when databases wait for budget,
     * the budget goes to the most deserving, or databases above their share give idle connections back.
     */
    public List<Runnable> rebalance(String database, int cap, int busy, int recentPeak, int waiting) {
        if (throttledMembers == 0 && used <= capacity) {
            return List.of();
        }
        lock.lock();
        try {
            update(database, cap, busy, recentPeak, waiting);
            if (used < capacity) {
                return throttledMembers > 0 ? wakeMostDeserving() : List.of();
            }
            long now = clock.getAsLong();
            if (now - lastRebalanceReclaimNanos < REBALANCE_RECLAIM_GAP_NANOS) {
                // every pool reports once a second, all at about the same moment: one of them asks for the
                // connections back; the others would ask again for connections not closed yet
                return List.of();
            }
            lastRebalanceReclaimNanos = now;
            recomputeShares();
            List<Runnable> followUps = new ArrayList<>(1);
            if (used > capacity) {
                shed(followUps); // the fleet lowered this replica's part: idle connections over it go
            } else {
                reclaim(followUps);
            }
            return followUps;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A server of {@code database} is free again: true when it should be closed rather than reused,
     * because the database holds more than its share while another, below its share, waits.
     */
    public boolean mustYield(String database, int cap, int busy, int recentPeak, int waiting) {
        if (throttledMembers == 0 && used <= capacity) {
            return false; // nobody waits for budget and none is owed back: keep it
        }
        lock.lock();
        try {
            Member member = update(database, cap, busy, recentPeak, waiting);
            if (used > capacity) {
                // the fleet lowered this replica's part: whoever holds more than its share over it gives back
                recomputeShares();
                return member.held > member.share + 1e-9;
            }
            if (member.held <= member.share + 1e-9 || !anotherWaits(member)) {
                // within its share as last computed (a newcomer's request recomputes them), or the only
                // one waiting for budget is this database itself: the connection stays
                return false;
            }
            recomputeShares();
            return fairerWithout(member, mostDeserving()) > 0;
        } finally {
            lock.unlock();
        }
    }

    private void throttle(Member member, boolean throttled) {
        if (member.throttled != throttled) {
            member.throttled = throttled;
            throttledMembers += throttled ? 1 : -1;
        }
    }

    private Member update(String database, int cap, int busy, int recentPeak, int waiting) {
        accrue();
        Member member = members.get(database);
        if (member == null) {
            throw new IllegalArgumentException("database " + database + " is not on backend " + backend);
        }
        member.cap = cap;
        member.busy = busy;
        member.recentPeak = recentPeak;
        member.waiting = waiting;
        return member;
    }

    private void recomputeShares() {
        List<Claim> claims = new ArrayList<>(members.size());
        for (Member member : members.values()) {
            claims.add(new Claim(member.database, member.weight, member.minimum, member.demand()));
        }
        Map<String, Double> shares = FairShare.shares(Math.max(0, capacity - dedicated), claims);
        members.values().forEach(member -> member.share = shares.getOrDefault(member.database, 0.0));
    }

    /** Over capacity (the fleet lowered it): every database above its share closes idle connections, up to its excess. */
    private void shed(List<Runnable> followUps) {
        for (Member member : members.values()) {
            int excess = (int) Math.ceil(member.held - member.share - 1e-9);
            if (excess > 0) {
                IntConsumer close = member.closeIdle;
                followUps.add(() -> close.accept(excess));
            }
        }
    }

    /** Whether a database other than {@code member} waits for budget with clients queued. */
    private boolean anotherWaits(Member member) {
        for (Member other : members.values()) {
            if (other != member && other.throttled && other.waiting > 0) {
                return true;
            }
        }
        return false;
    }

    /** The throttled database with waiting clients furthest below its share; ties go to the one holding least per weight. */
    private Member mostDeserving() {
        Member best = null;
        for (Member member : members.values()) {
            if (!member.throttled || member.waiting == 0) {
                continue;
            }
            if (best == null || compareDeserving(member, best) > 0) {
                best = member;
            }
        }
        return best;
    }

    private List<Runnable> wakeMostDeserving() {
        recomputeShares();
        Member first = mostDeserving();
        return first == null ? List.of() : List.of(first.wakeUp);
    }

    /**
     * The budget is used up and someone waits: databases above their share close idle connections
     * (as many as they really have, up to their excess; busy ones come back through {@link #mustYield}).
     */
    private void reclaim(List<Runnable> followUps) {
        Member starving = mostDeserving();
        for (Member member : members.values()) {
            int excess = fairerWithout(member, starving);
            if (excess > 0) {
                IntConsumer close = member.closeIdle;
                followUps.add(() -> close.accept(excess));
            }
        }
    }

    /**
     * How many connections {@code giver} should hand back so that {@code taker} is served: moving
     * one must make the split fairer (the giver holds more than its share, and the taker is further
     * below its share than the giver is above it). Fractional shares make connections take turns
     * rather than leave a database waiting forever. 0 when no move helps.
     */
    private static int fairerWithout(Member giver, Member taker) {
        if (taker == null || taker == giver || taker.deficit() <= 0) {
            return 0;
        }
        double excess = giver.held - giver.share;
        if (excess <= 1e-9) {
            return 0;
        }
        if (excess >= 1 - 1e-9 || taker.deficit() > excess + 1e-9) {
            return (int) Math.ceil(excess - 1e-9); // the split is plainly fairer without them
        }
        // a fraction over its share: it hands one on when the taker has been owed clearly longer
        return taker.credit > giver.credit + TURN_CREDIT ? 1 : 0;
    }

    /** Who deserves budget more: more credit, then further below its share, then holding less per weight. */
    private static int compareDeserving(Member a, Member b) {
        if (Math.abs(a.credit - b.credit) > 1e-9) {
            return a.credit > b.credit ? 1 : -1;
        }
        if (Math.abs(a.deficit() - b.deficit()) > 1e-9) {
            return a.deficit() > b.deficit() ? 1 : -1;
        }
        return Double.compare((double) b.held / b.weight, (double) a.held / a.weight);
    }

    /**
     * Brings every credit up to now with the shares as last computed. Only while someone waits for
     * budget: without contention nobody is owed anything.
     */
    private void accrue() {
        long now = clock.getAsLong();
        double seconds = (now - lastAccrualNanos) / 1e9;
        lastAccrualNanos = now;
        for (Member member : members.values()) {
            if (throttledMembers == 0) {
                member.credit = 0;
                continue;
            }
            boolean owed = member.throttled && member.waiting > 0;
            if (owed || member.held > member.share) {
                member.credit += (member.share - member.held) * seconds;
            } else {
                member.credit = Math.min(member.credit, 0); // content below its share: nothing to bank
            }
            member.credit = Math.max(-MAX_CREDIT, Math.min(MAX_CREDIT, member.credit));
        }
    }
}
