package io.pgwarden.pool;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The budget's decisions without sockets: simulated pools ask for connections, use them, give them
 * back and yield as a real pool does, over long random sequences.
 */
class InstanceBudgetTest {

    /**
     * A pool as the budget sees it: connections busy or idle, the most in use lately, clients waiting,
     * and how long each has waited.
     */
    private static final class SimPool {
        final String name;
        final int cap;
        final RecentPeak peak = new RecentPeak(3);
        int busy;
        int idle;
        final List<Integer> waitingSince = new ArrayList<>();
        /** Steps in a row with clients waiting and no connection at all, now and at worst. */
        int starvedFor;
        int longestStarved;

        SimPool(String name, int cap) {
            this.name = name;
            this.cap = cap;
        }

        int held() {
            return busy + idle;
        }
    }

    @Test
    void aDatabaseAloneMayTakeTheWholeBudget() {
        InstanceBudget budget = new InstanceBudget("main", 10);
        budget.join("noisy", 1, 0, 100, () -> { }, n -> { });
        budget.join("calm", 1, 0, 100, () -> { }, n -> { });
        for (int i = 0; i < 10; i++) {
            assertTrue(budget.request("noisy", 100, i, i, 50).granted());
        }
        assertFalse(budget.request("noisy", 100, 10, 10, 50).granted(), "the budget is the limit");
        assertEquals(10, budget.used());
    }

    @Test
    void aDedicatedConnectionCountsAgainstTheInstanceAndIsRefusedPastIt() {
        InstanceBudget budget = new InstanceBudget("main", 3);
        budget.join("orders", 1, 0, 100, () -> { }, n -> { });
        assertTrue(budget.request("orders", 100, 0, 0, 1).granted());
        assertTrue(budget.request("orders", 100, 1, 1, 1).granted());
        assertTrue(budget.takeDedicated(), "one left on the instance: a replication client's own");
        assertEquals(3, budget.used());
        assertEquals(1, budget.dedicated());
        assertFalse(budget.takeDedicated(), "past the instance budget: refused, never queued");
        assertFalse(budget.request("orders", 100, 2, 2, 1).granted(), "the pool cannot have it either");
        assertEquals(3, budget.used());
    }

    @Test
    void aDedicatedConnectionGivenBackWakesTheDatabaseWaitingForBudgetAndShrinksTheSharesWhileHeld() {
        InstanceBudget budget = new InstanceBudget("main", 4);
        int[] woken = {0};
        budget.join("orders", 1, 0, 100, () -> woken[0]++, n -> { });
        budget.join("users", 1, 0, 100, () -> { }, n -> { });
        assertTrue(budget.takeDedicated());
        assertTrue(budget.takeDedicated());
        assertTrue(budget.request("orders", 100, 0, 0, 1).granted());
        assertTrue(budget.request("users", 100, 0, 0, 1).granted());
        assertFalse(budget.request("orders", 100, 1, 1, 5).granted(), "the two dedicated ones hold half the instance");
        assertEquals(1.0, budget.share("orders"), 1e-9, "the pools share what the dedicated connections leave: 2 of 4");
        budget.dedicatedReturned().forEach(Runnable::run);
        assertEquals(1, woken[0], "orders waits for budget: it hears at once that there is some");
        assertEquals(1, budget.dedicated());
        assertTrue(budget.request("orders", 100, 1, 1, 5).granted());
    }

    @Test
    void aLoweredCapacityIsGivenBackIdleFirstThenAsConnectionsComeFreeAndARaisedOneWakesTheWaiting() {
        InstanceBudget budget = new InstanceBudget("main", 10);
        List<Integer> closed = new ArrayList<>();
        int[] wakeUps = {0};
        budget.join("noisy", 1, 0, 100, () -> wakeUps[0]++, closed::add);
        for (int i = 0; i < 10; i++) {
            assertTrue(budget.request("noisy", 100, i, i, 1).granted());
        }
        assertFalse(budget.mustYield("noisy", 100, 10, 10, 0), "within capacity, nobody waiting: kept");
        // the fleet's split gives this replica 6: 8 busy, 2 idle
        budget.setCapacity(6).forEach(Runnable::run);
        assertEquals(List.of(4), closed, "asked to close up to its excess in idle connections");
        budget.returned("noisy", 100, 8, 10, 0);
        budget.returned("noisy", 100, 8, 10, 0);
        assertTrue(budget.mustYield("noisy", 100, 8, 10, 0), "8 held, 6 allowed: a connection coming free goes back");
        assertFalse(budget.request("noisy", 100, 8, 10, 3).granted(), "no more while over");
        for (int i = 0; i < 2; i++) {
            budget.returned("noisy", 100, 7 - i, 10, 3);
        }
        assertEquals(6, budget.used());
        assertFalse(budget.mustYield("noisy", 100, 6, 10, 3), "at its capacity again: kept for its own waiting clients");
        int before = wakeUps[0];
        budget.setCapacity(9).forEach(Runnable::run);
        assertEquals(before + 1, wakeUps[0], "raised: the waiting database is woken");
        assertTrue(budget.request("noisy", 100, 6, 10, 3).granted());
    }

    @Test
    void aDatabaseWhoseCapDropsAfterAReloadClosesWhatItHoldsAbove() {
        InstanceBudget budget = new InstanceBudget("main", 10);
        List<Integer> closed = new ArrayList<>();
        budget.join("a", 1, 0, 5, () -> { }, closed::add);
        for (int i = 0; i < 5; i++) {
            assertTrue(budget.request("a", 5, i, i, 1).granted());
        }
        budget.reconfigure("a", 2, 0, 3).forEach(Runnable::run);
        assertEquals(List.of(2), closed);
        budget.reconfigure("a", 1, 0, 0).forEach(Runnable::run); // removed: it claims nothing
        assertEquals(List.of(2, 5), closed);
    }

    @Test
    void aDatabaseThatMovedAwayLeavesAndItsShareGoesToTheOthers() {
        InstanceBudget budget = new InstanceBudget("main", 4);
        int[] wakeUps = {0};
        budget.join("moving", 1, 2, 100, () -> { }, n -> { });
        budget.join("staying", 1, 0, 100, () -> wakeUps[0]++, n -> { });
        for (int i = 0; i < 2; i++) {
            assertTrue(budget.request("moving", 100, i, i, 0).granted());
        }
        for (int i = 0; i < 2; i++) {
            assertTrue(budget.request("staying", 100, i, i, 1).granted());
        }
        assertFalse(budget.request("staying", 100, 2, 2, 1).granted(), "the instance is full");
        budget.returned("moving", 100, 1, 2, 0);
        budget.returned("moving", 100, 0, 2, 0);
        budget.leave("moving").forEach(Runnable::run);
        assertEquals(1, wakeUps[0], "the waiting database is woken: budget is free and nobody else claims it");
        assertEquals(List.of("staying"), budget.uses().stream().map(FleetSplit.Use::database).toList(),
                "the moved database is no member any more: a fleet's split no longer counts it");
        for (int i = 2; i < 4; i++) {
            assertTrue(budget.request("staying", 100, i, i, 1).granted(), "min_connections of the moved one no longer reserved");
        }
        assertTrue(budget.leave("never-here").isEmpty());
    }

    @Test
    void aDatabaseLeavingWhileStillHoldingConnectionsKeepsThemCountedWithNoClaim() {
        InstanceBudget budget = new InstanceBudget("main", 4);
        budget.join("moving", 1, 2, 100, () -> { }, n -> { });
        assertTrue(budget.request("moving", 100, 0, 0, 1).granted());
        budget.leave("moving");
        assertEquals(1, budget.used());
        assertEquals(1, budget.uses().size());
        budget.returned("moving", 0, 0, 0, 0);
        assertEquals(0, budget.used());
    }

    @Test
    void aNewcomerBelowItsShareMakesAnOverShareDatabaseGiveBackIdleConnections() {
        InstanceBudget budget = new InstanceBudget("main", 10);
        List<Integer> closed = new ArrayList<>();
        budget.join("noisy", 1, 0, 100, () -> { }, closed::add);
        budget.join("calm", 1, 0, 100, () -> { }, n -> { });
        for (int i = 0; i < 10; i++) {
            budget.request("noisy", 100, i, i, 1);
        }
        // four of its transactions end (6 busy, 4 idle): nobody waits for budget yet, so the budget hears of it
        // with noisy's next call; its demand is what it used lately, 10
        InstanceBudget.Decision decision = budget.request("calm", 100, 0, 0, 3);
        assertFalse(decision.granted());
        decision.followUps().forEach(Runnable::run);
        assertEquals(List.of(3), closed, "noisy (share 7, holding 10, 4 idle) closes 3 idle connections; "
                + "it keeps the rest for its own clients");
        assertTrue(budget.mustYield("noisy", 100, 6, 10, 5), "a busy one coming back goes to the instance too");
    }

    @Test
    void connectionsADatabaseHasNotUsedLatelyGoToOneThatWaits() {
        InstanceBudget budget = new InstanceBudget("main", 10);
        List<Integer> closed = new ArrayList<>();
        int[] calmPeak = {8};
        budget.join("noisy", 1, 0, 100, () -> { }, n -> { });
        budget.join("calm", 1, 0, 10, () -> { }, n -> {
            closed.add(n);
            for (int i = 0; i < n; i++) {
                budget.returned("calm", 10, 0, calmPeak[0], 0);
            }
        });
        for (int i = 0; i < 8; i++) {
            assertTrue(budget.request("calm", 10, i, i, 1).granted()); // a burst: 8 at once
        }
        assertEquals(List.of(), budget.rebalance("calm", 10, 0, 8, 0), "nobody waits: nothing to rebalance");
        assertTrue(budget.request("noisy", 100, 0, 0, 20).granted());
        assertTrue(budget.request("noisy", 100, 1, 1, 19).granted());
        InstanceBudget.Decision refused = budget.request("noisy", 100, 2, 2, 18);
        assertFalse(refused.granted());
        refused.followUps().forEach(Runnable::run);
        assertEquals(List.of(3), closed, "calm used 8 at once lately: demands 9 (8 and a spare) and 20 split 10"
                + " as 5 + 5, so calm closes 3 of its idle connections");
        for (int i = 2; i < 5; i++) {
            assertTrue(budget.request("noisy", 100, i, i, 20 - i).granted());
        }
        InstanceBudget.Decision stillWaiting = budget.request("noisy", 100, 5, 5, 15);
        assertFalse(stillWaiting.granted(), "5 + 5: both at their share");
        stillWaiting.followUps().forEach(Runnable::run);
        assertEquals(List.of(3), closed);

        // the burst has left calm's window: it used at most 1 at once since
        calmPeak[0] = 1;
        budget.rebalance("calm", 10, 0, 1, 0).forEach(Runnable::run);
        assertEquals(List.of(3, 3), closed, "calm (demand 2: 1 and a spare; holding 5, all idle) gives back 3");
        assertEquals(2.0, budget.share("calm"), 1e-9);
        assertEquals(8.0, budget.share("noisy"), 1e-9);
    }

    @Test
    void oneConnectionBetweenTwoBusyDatabasesTakesTurns() {
        long[] now = {0};
        InstanceBudget budget = new InstanceBudget("main", 1, () -> now[0]);
        budget.join("a", 1, 0, 10, () -> { }, n -> { });
        budget.join("b", 1, 0, 10, () -> { }, n -> { });
        assertTrue(budget.request("a", 10, 0, 0, 5).granted());
        assertFalse(budget.request("b", 10, 0, 0, 5).granted(), "the budget is one connection");
        // shares are 0.5 each: a is half a connection over, b half under, so no single move is fairer
        now[0] += 100_000_000;
        assertFalse(budget.mustYield("a", 10, 0, 1, 5), "0.1 s later a keeps it for its next transaction");
        now[0] += 1_000_000_000;
        assertTrue(budget.mustYield("a", 10, 0, 1, 5), "after a second of b waiting, a hands it on");
        budget.returned("a", 10, 0, 1, 5);
        assertFalse(budget.request("a", 10, 0, 1, 5).granted(), "a, now owed less than b, does not take it back");
        assertTrue(budget.request("b", 10, 0, 0, 5).granted());
    }

    /**
     * Random arrivals and transaction ends (a step is a simulated millisecond); at every step the budget
     * is never exceeded and its books agree with the pools'. No database with clients waiting goes
     * without any connection for long, even when there are more databases than connections. Then
     * arrivals stop: every queue drains.
     */
    @Test
    void noDatabaseWithDemandWaitsForeverOverLongRandomSequences() {
        for (long seed = 0; seed < 20; seed++) {
            Random random = new Random(seed);
            int capacity = 5 + random.nextInt(30);
            long[] now = {0};
            InstanceBudget budget = new InstanceBudget("main", capacity, () -> now[0]);
            List<SimPool> pools = new ArrayList<>();
            for (int p = 0; p < 2 + random.nextInt(6); p++) {
                SimPool pool = new SimPool("db" + p, 1 + random.nextInt(40));
                pools.add(pool);
                budget.join(pool.name, 1 + random.nextInt(3), 0, pool.cap, () -> { }, n -> closeIdle(budget, pool, n));
            }
            for (int step = 0; step < 20_000; step++) {
                now[0] += 1_000_000; // a step is a millisecond
                SimPool pool = pools.get(random.nextInt(pools.size()));
                switch (random.nextInt(4)) {
                    case 0 -> pool.waitingSince.add(step); // a client arrives
                    case 1 -> finishOne(budget, pool); // a transaction ends
                    default -> { }
                }
                for (SimPool p : pools) {
                    serve(budget, p, step);
                    if (step % 50 == 0) {
                        tick(budget, p);
                    }
                }
                int held = pools.stream().mapToInt(SimPool::held).sum();
                assertTrue(held <= capacity, "never above the budget");
                assertEquals(held, budget.used(), "the books agree");
                for (SimPool p : pools) {
                    p.starvedFor = !p.waitingSince.isEmpty() && p.held() == 0 ? p.starvedFor + 1 : 0;
                    p.longestStarved = Math.max(p.longestStarved, p.starvedFor);
                }
            }
            for (SimPool pool : pools) {
                // shares are fractions, connections are not: someone is below its share at any moment, but
                // connections take turns, so nobody waits with no connection at all for long
                assertTrue(pool.longestStarved < 2_000, "seed " + seed + ": " + pool.name + " waited "
                        + pool.longestStarved + " ms with clients queued and no connection (capacity " + capacity
                        + ", " + pools.size() + " databases)");
            }
            int step = 20_000;
            while (pools.stream().anyMatch(p -> !p.waitingSince.isEmpty()) && step < 200_000) {
                now[0] += 1_000_000;
                for (SimPool pool : pools) {
                    finishOne(budget, pool);
                }
                for (SimPool pool : pools) {
                    serve(budget, pool, step);
                    if (step % 50 == 0) {
                        tick(budget, pool);
                    }
                }
                step++;
            }
            for (SimPool pool : pools) {
                assertTrue(pool.waitingSince.isEmpty(), "seed " + seed + ": " + pool.name + " still has "
                        + pool.waitingSince.size() + " clients waiting (capacity " + capacity + ")");
            }
        }
    }

    /** Idle connections to waiting clients first, then new ones as far as the budget grants (as DatabasePool does). */
    private static void serve(InstanceBudget budget, SimPool pool, int step) {
        while (!pool.waitingSince.isEmpty()) {
            if (pool.idle > 0) {
                pool.idle--;
                pool.busy++;
            } else if (pool.held() < pool.cap) {
                InstanceBudget.Decision decision = budget.request(pool.name, pool.cap, pool.busy, pool.peak.peak(),
                        pool.waitingSince.size());
                decision.followUps().forEach(Runnable::run);
                if (!decision.granted()) {
                    return;
                }
                pool.busy++;
            } else {
                return;
            }
            pool.peak.record(pool.busy);
            pool.waitingSince.remove(0);
        }
        budget.changed(pool.name, pool.cap, pool.busy, pool.peak.peak(), 0);
    }

    /** A busy connection comes back: it goes to the instance if the pool must yield, else it waits idle. */
    private static void finishOne(InstanceBudget budget, SimPool pool) {
        if (pool.busy == 0) {
            return;
        }
        pool.busy--;
        if (budget.mustYield(pool.name, pool.cap, pool.busy, pool.peak.peak(), pool.waitingSince.size())) {
            budget.returned(pool.name, pool.cap, pool.busy, pool.peak.peak(), pool.waitingSince.size());
        } else {
            pool.idle++;
        }
    }

    private static void closeIdle(InstanceBudget budget, SimPool pool, int count) {
        for (int i = 0; i < count && pool.idle > 0; i++) {
            pool.idle--;
            budget.returned(pool.name, pool.cap, pool.busy, pool.peak.peak(), pool.waitingSince.size());
        }
    }

    /** The pool's maintenance tick: a new window slot, and the rebalancing report. */
    private static void tick(InstanceBudget budget, SimPool pool) {
        pool.peak.advance(pool.busy);
        budget.rebalance(pool.name, pool.cap, pool.busy, pool.peak.peak(), pool.waitingSince.size())
                .forEach(Runnable::run);
    }
}
