package io.pgwarden.pool;

import io.pgwarden.pool.FleetSplit.Peer;
import io.pgwarden.pool.FleetSplit.Split;
import io.pgwarden.pool.FleetSplit.Use;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FleetSplitTest {

    private static final int BUDGET = 17;

    private static Use use(String database, int weight, int demand, int held) {
        return new Use(database, weight, 0, demand, held);
    }

    @Test
    void aReplicaAloneMayUseTheWholeBudget() {
        Split split = FleetSplit.split(BUDGET, List.of(use("noisy", 1, 40, 3)), Map.of("noisy", 0), List.of());
        assertEquals(BUDGET, split.capacity());
    }

    @Test
    void aCalmFleetLeavesEveryReplicaItsDemandAndAnEvenPartOfTheRest() {
        List<Peer> peers = List.of(new Peer(1, 2, 2, 2), new Peer(2, 2, 2, 2));
        Split split = FleetSplit.split(BUDGET, List.of(use("app", 1, 2, 2)), Map.of("app", 4), peers);
        // fleet demand 6 of 17: 11 unused, a third of it each
        assertEquals(2 + 11 / 3.0, split.target(), 1e-9);
        assertEquals(6, split.capacity());
    }

    @Test
    void threeFloodingReplicasConvergeOnAThirdEach() {
        // what each reads once all three publish their demand of 40 and hold about a third
        List<Peer> peers = List.of(new Peer(1, 6, 6, 40), new Peer(2, 5, 5, 40));
        Split split = FleetSplit.split(BUDGET, List.of(use("noisy", 1, 40, 6)), Map.of("noisy", 11), peers);
        assertEquals(BUDGET / 3.0, split.target(), 0.01);
        assertEquals(6, split.capacity(), "17 less the 11 the others reserve");
    }

    @Test
    void neverMoreThanTheOthersLeave() {
        List<Peer> greedy = List.of(new Peer(1, 15, 15, 15));
        Split split = FleetSplit.split(BUDGET, List.of(use("noisy", 1, 40, 0)), Map.of("noisy", 15), greedy);
        assertEquals(15, split.othersReserved());
        assertEquals(2, split.capacity(), "its fair part is more, but only 2 are free until the other gives some back");
    }

    @Test
    void connectionsNoMarkerAccountsForAreReservedToo() {
        // a replica whose marker connection is gone still holds 4: they are not free
        List<Peer> peers = List.of(new Peer(1, 5, 5, 5));
        Split split = FleetSplit.split(BUDGET, List.of(use("noisy", 1, 40, 0)), Map.of("noisy", 9), peers);
        assertEquals(9, split.othersReserved());
        assertEquals(8, split.capacity());
    }

    @Test
    void aDeadReplicasPartComesBackAtTheNextRound() {
        List<Peer> before = List.of(new Peer(1, 6, 6, 40), new Peer(2, 6, 6, 40));
        assertEquals(5, FleetSplit.split(BUDGET, List.of(use("noisy", 1, 40, 5)), Map.of("noisy", 12), before).capacity());
        // replica 2 died: its marker and its six connections left pg_stat_activity
        List<Peer> after = List.of(new Peer(1, 6, 6, 40));
        Split split = FleetSplit.split(BUDGET, List.of(use("noisy", 1, 40, 5)), Map.of("noisy", 6), after);
        assertEquals(8.5, split.target(), 0.01);
        assertEquals(9, split.capacity());
    }

    @Test
    void whatPeersWantBeyondWhatTheyHoldLowersThisReplicasTarget() {
        Split alone = FleetSplit.split(BUDGET, List.of(use("noisy", 1, 40, 15)), Map.of("noisy", 1), List.of(new Peer(1, 1, 1, 1)));
        Split asked = FleetSplit.split(BUDGET, List.of(use("noisy", 1, 40, 15)), Map.of("noisy", 1), List.of(new Peer(1, 1, 1, 40)));
        assertTrue(asked.target() < alone.target() - 5, alone + " then " + asked);
        assertEquals(8.5, asked.target(), 0.01);
    }

    @Test
    void aCalmDatabaseKeepsItsDemandAcrossTheFleetUnderAFlood() {
        // every replica: noisy floods, calm needs 3; peers hold calm's 6 and noisy's rest
        List<Use> mine = List.of(use("noisy", 1, 40, 3), use("calm", 1, 3, 3));
        List<Peer> peers = List.of(new Peer(1, 6, 6, 43), new Peer(2, 5, 5, 43));
        Split split = FleetSplit.split(BUDGET, mine, Map.of("noisy", 5, "calm", 6), peers);
        // the fleet: noisy 120, calm 9; equal weights give each 8.5, and this replica a third of each
        assertEquals(17 / 3.0, split.target(), 0.01, split.toString());
        List<Use> heavier = List.of(new Use("noisy", 1, 0, 40, 3), new Use("calm", 3, 0, 3, 3));
        Split weighted = FleetSplit.split(BUDGET, heavier, Map.of("noisy", 5, "calm", 6), peers);
        // calm's weight 3 would give it 12.75, more than its 9: it gets 9, noisy 8, a third of each here
        assertEquals(17 / 3.0, weighted.target(), 0.01, weighted.toString());
    }

    @Test
    void anIdleReplicaKeepsRoomForOne() {
        assertEquals(1, FleetSplit.split(3, List.of(use("a", 1, 0, 0)), Map.of("a", 2), List.of(new Peer(1, 2, 2, 2))).capacity(),
                "an idle replica keeps room for one");
    }

    /*
     * Replicas run their rounds one at a time (the advisory lock), each lowering at once and raising only
     * after it published; between rounds their connections come and go within their capacities, and their
     * demands change at random. The connections of all replicas never add up to more than the budget,
     * and once demands stop changing every replica with demand ends up with a capacity near its fair part.
     */
    @Test
    void randomRoundsNeverTakeTheFleetOverTheBudgetAndSettleFairly() {
        for (int seed = 0; seed < 50; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            int replicas = 2 + random.nextInt(4);
            int budget = 5 + random.nextInt(60);
            int[] capacity = new int[replicas];
            int[] held = new int[replicas];
            int[] demand = new int[replicas];
            int[] reserved = new int[replicas];
            for (int i = 0; i < replicas; i++) {
                capacity[i] = Math.max(1, budget / replicas);
                reserved[i] = capacity[i];
            }
            for (int step = 0; step < 3000; step++) {
                boolean settling = step >= 2000;
                if (!settling && random.nextInt(20) == 0) {
                    demand[random.nextInt(replicas)] = random.nextInt(2 * budget);
                }
                int r = random.nextInt(replicas);
                if (random.nextBoolean()) {
                    // connections open (within capacity, up to demand) or close
                    if (held[r] < Math.min(capacity[r], demand[r])) {
                        held[r]++;
                    } else if (held[r] > 0 && (held[r] > capacity[r] || held[r] > demand[r] || random.nextInt(4) == 0)) {
                        held[r]--;
                    }
                } else {
                    List<Peer> peers = new ArrayList<>();
                    int othersHeld = 0;
                    for (int i = 0; i < replicas; i++) {
                        if (i != r) {
                            peers.add(new Peer(i, reserved[i], held[i], demand[i]));
                            othersHeld += held[i];
                        }
                    }
                    Split split = FleetSplit.split(budget,
                            List.of(use("db", 1, Math.min(demand[r], 2 * budget), held[r])), Map.of("db", othersHeld), peers);
                    capacity[r] = split.capacity();
                    reserved[r] = Math.max(split.capacity(), held[r]);
                }
                int total = 0;
                int totalReserved = 0;
                for (int i = 0; i < replicas; i++) {
                    total += held[i];
                    totalReserved += reserved[i];
                }
                assertTrue(total <= budget, "seed " + seed + " step " + step + ": " + total + " held of " + budget);
                assertTrue(totalReserved <= budget, "seed " + seed + " step " + step + ": " + totalReserved + " reserved of " + budget);
            }
            int wanting = 0;
            int totalDemand = 0;
            for (int i = 0; i < replicas; i++) {
                wanting += demand[i] > 0 ? 1 : 0;
                totalDemand += demand[i];
            }
            for (int i = 0; i < replicas; i++) {
                if (demand[i] > 0 && totalDemand > budget) {
                    // a database's fleet share goes to the replicas in proportion to their demand there
                    // (less one per other replica: each rounds its part up)
                    int fair = (int) ((double) budget * demand[i] / totalDemand) - (replicas - 1);
                    assertTrue(capacity[i] >= fair, "seed " + seed + ": replica " + i + " wants " + demand[i] + ", has "
                            + capacity[i] + " of " + budget + ": demands " + java.util.Arrays.toString(demand) + ", capacities " + java.util.Arrays.toString(capacity) + ", held " + java.util.Arrays.toString(held) + ", reserved " + java.util.Arrays.toString(reserved));
                }
            }
        }
    }
}
