package io.pgwarden.pool;

import io.pgwarden.config.PoolMode;
import io.pgwarden.config.PoolSettings;
import io.pgwarden.pool.PoolBooks.Entry;
import io.pgwarden.pool.PoolBooks.EntryState;
import io.pgwarden.pool.PoolBooks.Grant;
import io.pgwarden.pool.PoolBooks.Home;
import io.pgwarden.pool.PoolBooks.Waiter;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pool's books with no socket and no clock: every decision, directly. */
class PoolBooksTest {

    private static final long MS = 1_000_000L;

    private final Home loopA = new Home("A");
    private final Home loopB = new Home("B");
    private final List<Runnable> followUps = new ArrayList<>();

    private static PoolSettings settings(int size, int minIdle, Duration wait, Duration idleTimeout, Duration lifetime,
                                         int reserve, Duration reserveTimeout) {
        return new PoolSettings(PoolMode.TRANSACTION, size, minIdle, wait, idleTimeout, lifetime, Duration.ofSeconds(5),
                "DISCARD ALL", Duration.ZERO, Duration.ZERO, Duration.ZERO, 250, 0, 1, 0, reserve, reserveTimeout,
                io.pgwarden.config.Pinning.AUTO, PoolSettings.UNSET_MAX_PINNED, Duration.ZERO, Duration.ofSeconds(30));
    }

    private PoolBooks<String, String> books(int size) {
        return books(settings(size, 0, Duration.ofSeconds(1), Duration.ZERO, Duration.ZERO, 0, Duration.ofSeconds(5)),
                PoolBudget.UNLIMITED);
    }

    private PoolBooks<String, String> books(PoolSettings settings, PoolBudget budget) {
        return new PoolBooks<>(settings, budget, new RecentPeak(20), List.of(loopA, loopB));
    }

    private static Waiter<String> client(String name, Home home) {
        return new Waiter<>(name, home);
    }

    /** Opens a server for {@code waiter} as the shell would: dispatch plans it, the login succeeds. */
    private Entry<String> openFor(PoolBooks<String, String> books, Waiter<String> waiter, String server, long now) {
        assertNull(books.take(waiter, now));
        List<Grant<String, String>> grants = books.dispatch(now, followUps);
        assertEquals(1, grants.size());
        assertSame(waiter, grants.get(0).waiter());
        assertNull(grants.get(0).idle(), "no idle server: one is to be opened");
        return books.opened(server, waiter.home, now);
    }

    @Test
    void aClientWithNoIdleServerJoinsTheQueueAndOneIsOpenedForIt() {
        PoolBooks<String, String> books = books(2);
        Waiter<String> c1 = client("c1", loopA);
        Entry<String> s1 = openFor(books, c1, "s1", 0);
        assertEquals(EntryState.LEASED, s1.state());
        assertEquals(1, books.size());
        assertEquals(1, books.leased());
        assertEquals(0, books.opening());
        assertEquals(0, books.waiting());
    }

    @Test
    void aServerGivenBackWithNobodyWaitingIsIdleAndTakenInline() {
        PoolBooks<String, String> books = books(2);
        Waiter<String> c1 = client("c1", loopA);
        Entry<String> s1 = openFor(books, c1, "s1", 0);
        assertNull(books.put(s1, MS, true));
        assertEquals(EntryState.IDLE, s1.state());
        assertEquals(1, books.idle());
        assertSame(s1, books.take(client("c2", loopA), 2 * MS), "an idle server is taken at once, without the queue");
        assertEquals(0, books.idle());
        assertEquals(1, books.leased());
    }

    @Test
    void anIdleServerOnTheClientsOwnLoopIsPreferred() {
        PoolBooks<String, String> books = books(2);
        Entry<String> onA = openFor(books, client("c1", loopA), "sA", 0);
        Entry<String> onB = openFor(books, client("c2", loopB), "sB", 0);
        books.put(onB, MS, true);
        books.put(onA, 2 * MS, true); // most recently used overall, but the client below lives on B
        assertSame(onB, books.take(client("c3", loopB), 3 * MS));
        assertSame(onA, books.take(client("c4", loopB), 3 * MS), "another loop's idle server before waiting");
    }

    @Test
    void noMoreThanPoolSizeAreOpenedAndTheRestWaitInArrivalOrder() {
        PoolBooks<String, String> books = books(1);
        Entry<String> s1 = openFor(books, client("c1", loopA), "s1", 0);
        Waiter<String> c2 = client("c2", loopA);
        Waiter<String> c3 = client("c3", loopA);
        assertNull(books.take(c2, MS));
        assertNull(books.take(c3, 2 * MS));
        assertTrue(books.dispatch(2 * MS, followUps).isEmpty(), "pool_size reached: nothing is opened");
        assertEquals(2, books.waiting());
        assertSame(c2, books.put(s1, 3 * MS, true));
        assertEquals(EntryState.LEASED, s1.state());
        assertSame(c3, books.put(s1, 4 * MS, true));
        assertNull(books.put(s1, 5 * MS, true));
        assertEquals(0, books.waiting());
    }

    @Test
    void aFreedServerGoesToAWaiterOnItsOwnLoopFirst() {
        PoolBooks<String, String> books = books(1);
        Entry<String> s1 = openFor(books, client("c1", loopA), "s1", 0);
        Waiter<String> onB = client("onB", loopB);
        Waiter<String> onA = client("onA", loopA);
        books.take(onB, MS);
        books.take(onA, 2 * MS);
        assertSame(onA, books.put(s1, 3 * MS, true), "same loop: no thread hop for this transaction");
        assertSame(onB, books.put(s1, 4 * MS, true));
    }

    @Test
    void theLongestWaiterIsPassedOverOnlyABoundedNumberOfTimes() {
        PoolBooks<String, String> books = books(1);
        Entry<String> s1 = openFor(books, client("c1", loopA), "s1", 0);
        Waiter<String> onB = client("onB", loopB);
        books.take(onB, MS);
        for (int i = 0; i < PoolBooks.MAX_PASSED_OVER; i++) {
            Waiter<String> onA = client("onA" + i, loopA);
            books.take(onA, 2 * MS + i);
            assertSame(onA, books.put(s1, 3 * MS + i, true));
        }
        books.take(client("late", loopA), 10 * MS);
        assertSame(onB, books.put(s1, 11 * MS, true), "passed over " + PoolBooks.MAX_PASSED_OVER + " times: its turn now");
    }

    @Test
    void aWaiterLeavesTheQueueInConstantTimeFromAnyPlace() {
        PoolBooks<String, String> books = books(1);
        Entry<String> s1 = openFor(books, client("c1", loopA), "s1", 0);
        List<Waiter<String>> waiters = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Waiter<String> w = client("w" + i, i % 2 == 0 ? loopA : loopB);
            books.take(w, MS + i);
            waiters.add(w);
        }
        assertTrue(books.remove(waiters.get(2), followUps));
        assertTrue(books.remove(waiters.get(0), followUps));
        assertTrue(books.remove(waiters.get(4), followUps));
        assertFalse(books.remove(waiters.get(4), followUps), "not queued any more");
        assertFalse(waiters.get(4).queued());
        assertEquals(2, books.waiting());
        // the loop-A list lost its first and last: a server on A must still find nobody there and go to B's
        assertSame(waiters.get(1), books.put(s1, 10 * MS, true));
        assertSame(waiters.get(3), books.put(s1, 11 * MS, true));
        assertEquals(0, books.waiting());
    }

    @Test
    void aWaiterCannotBeQueuedTwice() {
        PoolBooks<String, String> books = books(1);
        openFor(books, client("c1", loopA), "s1", 0);
        Waiter<String> w = client("w", loopA);
        books.take(w, MS);
        assertThrows(IllegalStateException.class, () -> books.take(w, 2 * MS));
    }

    @Test
    void theLongestWaiterExpiresAfterQueryWaitTimeoutAndNotBefore() {
        PoolBooks<String, String> books = books(1); // query_wait_timeout 1 s
        openFor(books, client("c1", loopA), "s1", 0);
        Waiter<String> w1 = client("w1", loopA);
        Waiter<String> w2 = client("w2", loopB);
        books.take(w1, 100 * MS);
        books.take(w2, 300 * MS);
        assertEquals(1100 * MS, books.nextDeadline(100 * MS));
        assertNull(books.expire(1099 * MS, followUps));
        assertSame(w1, books.expire(1100 * MS, followUps));
        assertNull(books.expire(1100 * MS, followUps), "the next one has time left");
        assertEquals(1300 * MS, books.nextDeadline(1100 * MS));
        assertSame(w2, books.expire(1300 * MS, followUps));
        assertEquals(Long.MAX_VALUE, books.nextDeadline(1300 * MS));
    }

    @Test
    void theReserveOpensForAClientThatWaitedReservePoolTimeout() {
        PoolSettings withReserve = settings(1, 0, Duration.ofSeconds(10), Duration.ZERO, Duration.ZERO, 1, Duration.ofSeconds(2));
        PoolBooks<String, String> books = books(withReserve, PoolBudget.UNLIMITED);
        openFor(books, client("c1", loopA), "s1", 0);
        Waiter<String> w = client("w", loopA);
        assertNull(books.take(w, 0));
        assertTrue(books.dispatch(MS, followUps).isEmpty(), "pool_size reached, reserve not open yet");
        assertEquals(2000 * MS, books.nextDeadline(MS), "the reserve's moment comes before query_wait_timeout");
        List<Grant<String, String>> grants = books.dispatch(2000 * MS, followUps);
        assertEquals(1, grants.size(), "the reserve's connection is opened for it");
        assertEquals(2, books.size());
        assertEquals(Long.MAX_VALUE, books.nextDeadline(2000 * MS), "nobody waits any more");
    }

    @Test
    void pauseHandsNothingOutAndIsDoneWhenNothingIsLeased() {
        PoolBooks<String, String> books = books(2);
        Entry<String> s1 = openFor(books, client("c1", loopA), "s1", 0);
        books.pause();
        assertFalse(books.pauseSatisfied(), "s1 is still leased");
        Waiter<String> w = client("w", loopA);
        assertNull(books.take(w, MS), "paused: even with room, nothing is handed out");
        assertTrue(books.dispatch(MS, followUps).isEmpty());
        assertNull(books.put(s1, 2 * MS, true), "given back while paused: idle, not to the waiter");
        assertEquals(EntryState.IDLE, s1.state());
        assertTrue(books.pauseSatisfied());
        books.resume();
        List<Grant<String, String>> grants = books.dispatch(3 * MS, followUps);
        assertEquals(1, grants.size());
        assertSame(s1, grants.get(0).idle(), "resumed: the waiter gets the idle server");
    }

    @Test
    void reconnectClosesIdleServersNowAndLeasedOnesWhenTheyComeBack() {
        PoolBooks<String, String> books = books(2);
        Entry<String> idle = openFor(books, client("c1", loopA), "idle", 0);
        Entry<String> busy = openFor(books, client("c2", loopA), "busy", 0);
        books.put(idle, MS, true);
        List<Entry<String>> closeNow = books.reconnect(2 * MS);
        assertEquals(List.of(idle), closeNow);
        assertEquals(EntryState.CLOSING, idle.state());
        assertNull(books.put(busy, 3 * MS, true));
        assertEquals(EntryState.CLOSING, busy.state(), "opened before RECONNECT: closed, not reused");
        books.closed(idle, followUps);
        books.closed(busy, followUps);
        Entry<String> fresh = openFor(books, client("c3", loopA), "fresh", 4 * MS);
        books.put(fresh, 5 * MS, true);
        assertEquals(EntryState.IDLE, fresh.state(), "opened after RECONNECT: reused");
    }

    /** A budget that counts the requests it hears, to tell which instance a pool claims from. */
    private static final class CountingBudget implements PoolBudget {
        int requests;

        @Override
        public boolean request(int cap, int busy, int recentPeak, int waiting, List<Runnable> followUps) {
            requests++;
            return true;
        }
    }

    @Test
    void aMoveHoldsClientsClosesEveryOldServerOnceFreeAndThenServesOnTheNewBudget() {
        CountingBudget oldBudget = new CountingBudget();
        CountingBudget newBudget = new CountingBudget();
        PoolBooks<String, String> books = books(settings(3, 0, Duration.ofSeconds(1), Duration.ZERO, Duration.ZERO, 0,
                Duration.ofSeconds(5)), oldBudget);
        Entry<String> idle = openFor(books, client("c1", loopA), "idle", 0);
        Entry<String> busy = openFor(books, client("c2", loopB), "busy", 0);
        books.put(idle, MS, true);
        assertEquals(2, oldBudget.requests);

        assertEquals(List.of(idle), books.beginMove(), "an idle server of the old location is closed at once");
        assertEquals(EntryState.CLOSING, idle.state());
        assertTrue(books.moving());
        assertFalse(books.paused(), "a move is not an administrator's PAUSE");
        Waiter<String> held = client("held", loopB);
        assertNull(books.take(held, 2 * MS), "moving: even with room, nothing is handed out");
        assertTrue(books.dispatch(2 * MS, followUps).isEmpty(), "and nothing is opened");
        assertNull(books.put(busy, 3 * MS, true), "its transaction over, the old server is not handed to the waiter");
        assertEquals(EntryState.CLOSING, busy.state(), "but closed, though reusable and young");
        assertFalse(books.moveDrained(), "two servers are still closing");
        assertThrows(IllegalStateException.class, () -> books.finishMove(newBudget, 4 * MS));

        assertNull(books.expire(60_000 * MS, followUps), "a move holds its waiters past query_wait_timeout");
        assertEquals(Long.MAX_VALUE, books.nextDeadline(60_000 * MS), "no queue timer while moving");
        books.closed(idle, followUps);
        assertFalse(books.moveDrained());
        books.closed(busy, followUps);
        assertTrue(books.moveDrained(), "no server of the old location is left");

        books.finishMove(newBudget, 60_000 * MS);
        assertFalse(books.moving());
        List<Grant<String, String>> grants = books.dispatch(60_000 * MS, followUps);
        assertEquals(1, grants.size());
        assertSame(held, grants.get(0).waiter());
        assertNull(grants.get(0).idle(), "a server of the new location is opened for the held client");
        assertEquals(2, oldBudget.requests, "the old instance's budget is asked for nothing more");
        assertEquals(1, newBudget.requests, "the new instance's budget granted it");
        Entry<String> fresh = books.opened("fresh", loopB, 60_001 * MS);
        assertNull(books.put(fresh, 60_002 * MS, true));
        assertEquals(EntryState.IDLE, fresh.state(), "a server of the new location is reused as usual");
    }

    @Test
    void afterAMoveQueryWaitTimeoutCountsFromItsEndForWhoWaitedThroughIt() {
        PoolBooks<String, String> books = books(1);
        Entry<String> s1 = openFor(books, client("c1", loopA), "s1", 0);
        books.beginMove();
        Waiter<String> held = client("held", loopA);
        books.take(held, MS);
        books.put(s1, 2 * MS, true);
        books.closed(s1, followUps);
        books.finishMove(PoolBudget.UNLIMITED, 10_000 * MS);
        books.pause(); // an administrator holds the queue, so that the held client is still waiting below
        assertEquals(11_000 * MS, books.nextDeadline(10_500 * MS), "a full query_wait_timeout (1 s) from the move's end");
        assertNull(books.expire(10_999 * MS, followUps));
        assertSame(held, books.expire(11_000 * MS, followUps));
        Waiter<String> later = client("later", loopA);
        books.take(later, 20_000 * MS);
        assertEquals(21_000 * MS, books.nextDeadline(20_000 * MS), "who came after the move counts from its arrival");
    }

    @Test
    void aServerStillOpeningWhenAMoveBeginsServesItsClientOnceAndIsClosed() {
        PoolBooks<String, String> books = books(2);
        Waiter<String> early = client("early", loopA);
        assertNull(books.take(early, 0));
        assertEquals(1, books.dispatch(0, followUps).size(), "its server is being opened when the move begins");
        assertTrue(books.beginMove().isEmpty());
        assertFalse(books.moveDrained(), "one is opening");
        Entry<String> opened = books.opened("s1", loopA, MS);
        assertEquals(EntryState.LEASED, opened.state(), "granted before the move: its transaction runs where it began");
        assertNull(books.put(opened, 2 * MS, true));
        assertEquals(EntryState.CLOSING, opened.state());
        books.closed(opened, followUps);
        assertTrue(books.moveDrained());
    }

    @Test
    void anOpeningThatFailsDuringAMoveLeavesItDrained() {
        PoolBooks<String, String> books = books(2);
        books.take(client("c1", loopA), 0);
        books.dispatch(0, followUps);
        books.beginMove();
        assertFalse(books.moveDrained());
        books.openFailed(true, followUps);
        assertTrue(books.moveDrained());
    }

    @Test
    void pauseAndResumeDuringAMoveNeitherEndItNorAreLost() {
        PoolBooks<String, String> books = books(2);
        books.beginMove();
        books.pause();
        books.resume();
        Waiter<String> w = client("w", loopA);
        assertNull(books.take(w, MS), "RESUME does not end a move");
        assertTrue(books.dispatch(MS, followUps).isEmpty());
        assertEquals(0, books.maintain(MS, new ArrayList<>(), followUps), "no warm server is opened during a move");
        books.pause();
        books.finishMove(PoolBudget.UNLIMITED, 2 * MS);
        assertTrue(books.paused());
        assertTrue(books.dispatch(2 * MS, followUps).isEmpty(), "a PAUSE given during the move holds on after it");
        books.resume();
        assertEquals(1, books.dispatch(3 * MS, followUps).size());
    }

    @Test
    void aServerPastItsLifetimeIsClosedWhenGivenBack() {
        PoolSettings short_ = settings(2, 0, Duration.ofSeconds(1), Duration.ZERO, Duration.ofSeconds(10), 0, Duration.ofSeconds(5));
        PoolBooks<String, String> books = books(short_, PoolBudget.UNLIMITED);
        Entry<String> s1 = openFor(books, client("c1", loopA), "s1", 0);
        books.put(s1, 5000 * MS, true);
        assertEquals(EntryState.IDLE, s1.state());
        books.take(client("c2", loopA), 6000 * MS);
        books.put(s1, 10_001 * MS, true);
        assertEquals(EntryState.CLOSING, s1.state());
    }

    @Test
    void anUnusableServerIsClosedNotHandedToTheWaiter() {
        PoolBooks<String, String> books = books(1);
        Entry<String> s1 = openFor(books, client("c1", loopA), "s1", 0);
        Waiter<String> w = client("w", loopA);
        books.take(w, MS);
        assertNull(books.put(s1, 2 * MS, false));
        assertEquals(EntryState.CLOSING, s1.state());
        assertEquals(1, books.size(), "it counts until its socket has closed");
        assertTrue(books.closed(s1, followUps));
        assertEquals(0, books.size());
        List<Grant<String, String>> grants = books.dispatch(3 * MS, followUps);
        assertEquals(1, grants.size(), "its place is free: a new one is opened for the waiter");
        assertSame(w, grants.get(0).waiter());
    }

    @Test
    void aServerThatClosesWhileIdleLeavesTheIdleList() {
        PoolBooks<String, String> books = books(2);
        Entry<String> s1 = openFor(books, client("c1", loopA), "s1", 0);
        books.put(s1, MS, true);
        assertTrue(books.closed(s1, followUps));
        assertFalse(books.closed(s1, followUps), "a second close event changes nothing");
        assertEquals(0, books.idle());
        assertEquals(0, books.size());
        assertNull(books.take(client("c2", loopA), 2 * MS), "a closed server is never handed out");
    }

    @Test
    void aServerThatClosesWhileLeasedFreesItsPlaceAndCannotBePutBack() {
        PoolBooks<String, String> books = books(1);
        Entry<String> s1 = openFor(books, client("c1", loopA), "s1", 0);
        books.closed(s1, followUps);
        assertEquals(0, books.leased());
        assertEquals(0, books.size());
        assertThrows(IllegalStateException.class, () -> books.put(s1, MS, true));
    }

    @Test
    void aFailedOpeningGivesItsPlaceBack() {
        PoolBooks<String, String> books = books(1);
        Waiter<String> c1 = client("c1", loopA);
        books.take(c1, 0);
        books.dispatch(0, followUps);
        assertEquals(1, books.opening());
        books.openFailed(true, followUps);
        assertEquals(0, books.opening());
        assertEquals(0, books.size());
        assertEquals(0, books.leased());
    }

    @Test
    void resettingCountsAsLeasedAndAsTested() {
        PoolBooks<String, String> books = books(1);
        Entry<String> s1 = openFor(books, client("c1", loopA), "s1", 0);
        books.resetting(s1);
        assertEquals(EntryState.RESETTING, s1.state());
        assertEquals(1, books.resetting());
        assertEquals(1, books.leased());
        books.put(s1, MS, true);
        assertEquals(0, books.resetting());
        assertEquals(0, books.leased());
    }

    @Test
    void maintenanceClosesServersIdleTooLongAboveMinIdleOldestFirst() {
        PoolSettings idleFor10s = settings(4, 1, Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ZERO, 0, Duration.ofSeconds(5));
        PoolBooks<String, String> books = books(idleFor10s, PoolBudget.UNLIMITED);
        Entry<String> s1 = openFor(books, client("c1", loopA), "s1", 0);
        Entry<String> s2 = openFor(books, client("c2", loopA), "s2", 0);
        Entry<String> s3 = openFor(books, client("c3", loopB), "s3", 0);
        books.put(s1, 1000 * MS, true);
        books.put(s3, 2000 * MS, true);
        books.put(s2, 3000 * MS, true);
        List<Entry<String>> toClose = new ArrayList<>();
        assertEquals(0, books.maintain(12_500 * MS, toClose, followUps));
        assertEquals(List.of(s1, s3), toClose.stream().sorted((a, b) -> Long.compare(a.idleSinceNanos(), b.idleSinceNanos())).toList());
        assertEquals(EntryState.IDLE, s2.state(), "min_idle 1: the last one stays");
        assertEquals(1, books.idle());
    }

    @Test
    void maintenanceOpensWarmServersUpToMinIdleAndNotWhileClientsWait() {
        PoolSettings warm2 = settings(4, 2, Duration.ofSeconds(1), Duration.ZERO, Duration.ZERO, 0, Duration.ofSeconds(5));
        PoolBooks<String, String> books = books(warm2, PoolBudget.UNLIMITED);
        assertEquals(2, books.maintain(0, new ArrayList<>(), followUps));
        assertEquals(2, books.opening());
        assertEquals(0, books.maintain(MS, new ArrayList<>(), followUps), "the two opening count as warm");
        Entry<String> w1 = books.openedWarm("w1", loopA, 2 * MS);
        assertNull(books.put(w1, 2 * MS, true));
        assertEquals(EntryState.IDLE, w1.state());
        Waiter<String> client = client("c", loopB);
        // the other warm one is still opening; a client that comes now takes the idle one
        assertSame(w1, books.take(client, 3 * MS));
        Waiter<String> late = client("late", loopB);
        assertNull(books.take(late, 4 * MS));
        Entry<String> w2 = books.openedWarm("w2", loopA, 5 * MS);
        assertSame(late, books.put(w2, 5 * MS, true), "a warm server goes to a waiter first");
        assertEquals(0, books.opening());
    }

    @Test
    void theBudgetCanRefuseANewConnectionAndTheClientIsCountedThrottledOnce() {
        boolean[] grant = {false};
        PoolBudget budget = new TestBudget() {
            @Override
            public boolean request(int cap, int busy, int recentPeak, int waiting, List<Runnable> followUps) {
                return grant[0];
            }
        };
        PoolBooks<String, String> books = books(settings(4, 0, Duration.ofSeconds(1), Duration.ZERO, Duration.ZERO, 0,
                Duration.ofSeconds(5)), budget);
        Waiter<String> c1 = client("c1", loopA);
        assertNull(books.take(c1, 0));
        assertTrue(books.dispatch(0, followUps).isEmpty());
        assertTrue(books.dispatch(MS, followUps).isEmpty(), "woken again, still refused");
        assertEquals(1, books.throttledTotal(), "one client, counted once");
        assertEquals(0, books.size());
        grant[0] = true;
        assertEquals(1, books.dispatch(2 * MS, followUps).size());
        assertEquals(1, books.size());
    }

    @Test
    void aServerTheBudgetWantsBackIsClosedInsteadOfReused() {
        PoolBudget yields = new TestBudget() {
            @Override
            public boolean mustYield(int cap, int busy, int recentPeak, int waiting) {
                return true;
            }
        };
        PoolBooks<String, String> books = books(settings(2, 0, Duration.ofSeconds(1), Duration.ZERO, Duration.ZERO, 0,
                Duration.ofSeconds(5)), yields);
        Entry<String> s1 = openFor(books, client("c1", loopA), "s1", 0);
        books.take(client("w", loopA), MS);
        assertNull(books.put(s1, 2 * MS, true));
        assertEquals(EntryState.CLOSING, s1.state());
    }

    @Test
    void theOldestIdleServersAcrossLoopsGoFirstWhenTheBudgetAsks() {
        PoolBooks<String, String> books = books(3);
        Entry<String> a1 = openFor(books, client("c1", loopA), "a1", 0);
        Entry<String> b1 = openFor(books, client("c2", loopB), "b1", 0);
        Entry<String> a2 = openFor(books, client("c3", loopA), "a2", 0);
        books.put(b1, 1 * MS, true);
        books.put(a1, 2 * MS, true);
        books.put(a2, 3 * MS, true);
        assertEquals(List.of(b1, a1), books.takeOldestIdle(2));
        assertEquals(1, books.idle());
    }

    @Test
    void closingThePoolRefusesEveryWaiterAndClosesEveryIdleServer() {
        PoolBooks<String, String> books = books(1);
        Entry<String> s1 = openFor(books, client("c1", loopA), "s1", 0);
        Waiter<String> w = client("w", loopB);
        books.take(w, MS);
        List<Waiter<String>> refused = new ArrayList<>();
        assertTrue(books.close(refused).isEmpty());
        assertEquals(List.of(w), refused);
        assertTrue(books.closed());
        assertNull(books.put(s1, 2 * MS, true));
        assertEquals(EntryState.CLOSING, s1.state(), "given back after the close: closed");
    }

    /** Thousands of random steps: the counts always agree with the entries, and nothing exceeds pool_size. */
    @Test
    void randomStepsKeepTheBooksConsistent() {
        for (int seed = 0; seed < 20; seed++) {
            Random random = new Random(seed);
            Home loopA = new Home("A" + seed); // homes hold their queue and idle list: fresh ones per run
            Home loopB = new Home("B" + seed);
            PoolBooks<String, String> books = new PoolBooks<>(settings(3, 0, Duration.ofMillis(50), Duration.ZERO, Duration.ZERO, 0,
                    Duration.ofSeconds(5)), PoolBudget.UNLIMITED, new RecentPeak(20), List.of(loopA, loopB));
            List<Entry<String>> leased = new ArrayList<>();
            List<Entry<String>> all = new ArrayList<>();
            List<Waiter<String>> waiting = new ArrayList<>();
            int opening = 0;
            long now = 0;
            for (int step = 0; step < 5000; step++) {
                now += random.nextInt(5) * MS;
                switch (random.nextInt(6)) {
                    case 0 -> {
                        Waiter<String> w = client("c" + step, random.nextBoolean() ? loopA : loopB);
                        Entry<String> e = books.take(w, now);
                        if (e != null) {
                            leased.add(e);
                        } else {
                            waiting.add(w);
                        }
                    }
                    case 1 -> {
                        for (Grant<String, String> g : books.dispatch(now, followUps)) {
                            waiting.remove(g.waiter());
                            if (g.idle() != null) {
                                leased.add(g.idle());
                            } else {
                                opening++;
                            }
                        }
                    }
                    case 2 -> {
                        if (opening > 0) {
                            opening--;
                            Entry<String> e = books.opened("s" + step, loopA, now);
                            leased.add(e);
                            all.add(e);
                        }
                    }
                    case 3 -> {
                        if (!leased.isEmpty()) {
                            Entry<String> e = leased.remove(random.nextInt(leased.size()));
                            Waiter<String> next = books.put(e, now, random.nextInt(10) > 0);
                            if (next != null) {
                                waiting.remove(next);
                                leased.add(e);
                            } else if (e.state() == EntryState.CLOSING) {
                                books.closed(e, followUps);
                            }
                        }
                    }
                    case 4 -> {
                        for (Waiter<String> w; (w = books.expire(now, followUps)) != null; ) {
                            assertTrue(waiting.remove(w));
                        }
                    }
                    default -> {
                        if (!all.isEmpty()) {
                            Entry<String> e = all.get(random.nextInt(all.size()));
                            if (books.closed(e, followUps)) {
                                leased.remove(e);
                            }
                        }
                    }
                }
                long idle = all.stream().filter(e -> e.state() == EntryState.IDLE).count();
                long live = all.stream().filter(e -> e.state() != EntryState.CLOSED).count();
                assertEquals(idle, books.idle(), "seed " + seed + " step " + step);
                assertEquals(leased.size() + opening, books.leased(), "opening for a client counts as leased: seed " + seed + " step " + step);
                assertEquals(live + opening, books.size(), "seed " + seed + " step " + step);
                assertEquals(waiting.size(), books.waiting(), "seed " + seed + " step " + step);
                assertTrue(books.size() <= 3, "never over pool_size");
            }
        }
    }

    /**
     * Issue 16, item 13: servers die at every stage of their life (opening, idle, granted to a
     * waiter but not yet attached, attached, being reset, decided to close) while clients come,
     * wait, time out and leave, warm servers open and idle ones expire. After every step each
     * count equals what the entries say; once every server has died and every opening failed,
     * nothing is left counted: no place of pool_size is kept by a dead server.
     */
    @Test
    void serversDyingAtEveryStageGiveEveryCountBack() {
        for (int seed = 0; seed < 40; seed++) {
            Random random = new Random(seed);
            Home loopA = new Home("A" + seed);
            Home loopB = new Home("B" + seed);
            PoolBooks<String, String> books = new PoolBooks<>(settings(3, 1, Duration.ofMillis(50), Duration.ofMillis(20),
                    Duration.ZERO, 0, Duration.ofSeconds(5)), PoolBudget.UNLIMITED, new RecentPeak(20), List.of(loopA, loopB));
            Walk walk = new Walk(books, random);
            long now = 0;
            for (int step = 0; step < 4000; step++) {
                now += random.nextInt(5) * MS;
                walk.step(random.nextInt(14), now, "s" + step, random.nextBoolean() ? loopA : loopB);
                walk.assertBalanced("seed " + seed + " step " + step);
                assertTrue(books.size() <= 3, "never over pool_size");
            }
            walk.everythingDies();
            walk.assertBalanced("seed " + seed + " at the end");
            assertEquals(0, books.size(), "seed " + seed + ": every place of pool_size is given back");
            assertEquals(0, books.leased());
            assertEquals(0, books.resetting());
            assertEquals(0, books.opening());
            assertEquals(0, books.idle());
        }
    }

    /** The shell of {@link #serversDyingAtEveryStageGiveEveryCountBack}: it does what DatabasePool does, and keeps its own tally. */
    private final class Walk {
        private final PoolBooks<String, String> books;
        private final Random random;
        /** Leased to a client; some of them granted but not yet attached (still LEASED in the books). */
        private final List<Entry<String>> leased = new ArrayList<>();
        private final List<Entry<String>> resetting = new ArrayList<>();
        /** Decided to close; their sockets close at a later step. */
        private final List<Entry<String>> closing = new ArrayList<>();
        private final List<Entry<String>> all = new ArrayList<>();
        private final List<Waiter<String>> waiting = new ArrayList<>();
        private int openingForWaiter;
        private int openingWarm;

        Walk(PoolBooks<String, String> books, Random random) {
            this.books = books;
            this.random = random;
        }

        void step(int action, long now, String name, Home home) {
            switch (action) {
                case 0 -> { // a client comes
                    Waiter<String> w = client("c" + name, home);
                    Entry<String> e = books.take(w, now);
                    if (e != null) {
                        leased.add(e);
                    } else {
                        waiting.add(w);
                    }
                }
                case 1 -> { // the queue is served
                    for (Grant<String, String> g : books.dispatch(now, followUps)) {
                        assertTrue(waiting.remove(g.waiter()));
                        if (g.idle() != null) {
                            leased.add(g.idle());
                        } else {
                            openingForWaiter++;
                        }
                    }
                }
                case 2 -> { // a server opened for a waiter logged in; it may have died right after (adopt sees the close)
                    if (openingForWaiter > 0) {
                        openingForWaiter--;
                        Entry<String> e = track(books.opened(name, home, now));
                        leased.add(e);
                        if (random.nextInt(4) == 0) {
                            die(e);
                        }
                    }
                }
                case 3 -> { // opening failed, or the server died during its login
                    if (openingForWaiter > 0 && random.nextBoolean()) {
                        openingForWaiter--;
                        books.openFailed(true, followUps);
                    } else if (openingWarm > 0) {
                        openingWarm--;
                        books.openFailed(false, followUps);
                    }
                }
                case 4 -> { // a client gives its server back (transaction end, or session end with no reset)
                    if (!leased.isEmpty()) {
                        putBack(leased.remove(random.nextInt(leased.size())), now, random.nextInt(8) > 0);
                    }
                }
                case 5 -> { // a session ends: the server is reset first
                    if (!leased.isEmpty()) {
                        Entry<String> e = leased.remove(random.nextInt(leased.size()));
                        books.resetting(e);
                        resetting.add(e);
                    }
                }
                case 6 -> { // the reset is over: clean, or it failed
                    if (!resetting.isEmpty()) {
                        putBack(resetting.remove(random.nextInt(resetting.size())), now, random.nextInt(4) > 0);
                    }
                }
                case 7, 8 -> { // pg_terminate_backend: a server dies, whatever it is doing
                    List<Entry<String>> live = all.stream().filter(e -> e.state() != EntryState.CLOSED).toList();
                    if (!live.isEmpty()) {
                        die(live.get(random.nextInt(live.size())));
                    }
                }
                case 9 -> { // a closing server's socket closes
                    if (!closing.isEmpty()) {
                        die(closing.get(random.nextInt(closing.size())));
                    }
                }
                case 10 -> { // waiters time out, or leave
                    for (Waiter<String> w; (w = books.expire(now, followUps)) != null; ) {
                        assertTrue(waiting.remove(w));
                    }
                    if (!waiting.isEmpty() && random.nextBoolean()) {
                        Waiter<String> w = waiting.remove(random.nextInt(waiting.size()));
                        assertTrue(books.remove(w, followUps));
                    }
                }
                case 11 -> { // maintenance: idle ones past server_idle_timeout close, warm ones open for min_idle
                    List<Entry<String>> toClose = new ArrayList<>();
                    openingWarm += books.maintain(now, toClose, followUps);
                    closing.addAll(toClose);
                }
                case 12 -> { // a warm server logged in and is checked in (to a waiter, or idle)
                    if (openingWarm > 0) {
                        openingWarm--;
                        Entry<String> e = track(books.openedWarm(name, home, now));
                        putBack(e, now, true);
                    }
                }
                default -> { // the instance budget wants one back, or RECONNECT
                    List<Entry<String>> taken = random.nextInt(10) == 0 ? books.reconnect(now) : books.takeOldestIdle(1);
                    closing.addAll(taken);
                }
            }
        }

        private Entry<String> track(Entry<String> e) {
            all.add(e);
            return e;
        }

        /** As DatabasePool.checkIn: to a waiter (leased again), idle, or to be closed. */
        private void putBack(Entry<String> e, long now, boolean reusable) {
            Waiter<String> next = books.put(e, now, reusable);
            if (next != null) {
                assertTrue(waiting.remove(next));
                leased.add(e);
            } else if (e.state() == EntryState.CLOSING) {
                closing.add(e);
            }
        }

        /** The socket closed (DatabasePool.onClosed); the shell then dispatches. */
        private void die(Entry<String> e) {
            assertTrue(books.closed(e, followUps));
            leased.remove(e);
            resetting.remove(e);
            closing.remove(e);
            assertFalse(books.closed(e, followUps), "a second close event changes nothing");
        }

        void everythingDies() {
            for (Entry<String> e : all) {
                if (e.state() != EntryState.CLOSED) {
                    die(e);
                }
            }
            for (; openingForWaiter > 0; openingForWaiter--) {
                books.openFailed(true, followUps);
            }
            for (; openingWarm > 0; openingWarm--) {
                books.openFailed(false, followUps);
            }
        }

        void assertBalanced(String where) {
            long idle = all.stream().filter(e -> e.state() == EntryState.IDLE).count();
            long live = all.stream().filter(e -> e.state() != EntryState.CLOSED).count();
            assertEquals(idle, books.idle(), "idle: " + where);
            assertEquals(resetting.size(), books.resetting(), "resetting: " + where);
            assertEquals(leased.size() + resetting.size() + openingForWaiter, books.leased(), "leased: " + where);
            assertEquals(openingForWaiter + openingWarm, books.opening(), "opening: " + where);
            assertEquals(live + openingForWaiter + openingWarm, books.size(), "open: " + where);
            assertEquals(live, idle + leased.size() + resetting.size() + closing.size(), "every live server is somewhere: " + where);
            assertEquals(waiting.size(), books.waiting(), "waiting: " + where);
        }
    }

    /** A budget that grants everything unless a test says otherwise. */
    private static class TestBudget implements PoolBudget {
    }
}
