package io.pgwarden.pool;

import io.pgwarden.pool.FairShare.Claim;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FairShareTest {

    private static final double EPSILON = 1e-6;

    @Test
    void everyoneGetsTheirDemandWhenTheBudgetSuffices() {
        Map<String, Double> shares = FairShare.shares(50, List.of(new Claim("a", 1, 0, 10), new Claim("b", 1, 0, 20)));
        assertEquals(10, shares.get("a"), EPSILON);
        assertEquals(20, shares.get("b"), EPSILON);
    }

    @Test
    void aDatabaseAloneMayUseTheWholeBudget() {
        assertEquals(50, FairShare.shares(50, List.of(new Claim("noisy", 1, 0, 300), new Claim("calm", 1, 0, 0))).get("noisy"), EPSILON);
    }

    @Test
    void equalWeightsSplitEquallyAndSmallDemandsAreMetInFull() {
        Map<String, Double> shares = FairShare.shares(50, List.of(
                new Claim("noisy", 1, 0, 300), new Claim("calm1", 1, 0, 10), new Claim("calm2", 1, 0, 10)));
        assertEquals(10, shares.get("calm1"), EPSILON);
        assertEquals(10, shares.get("calm2"), EPSILON);
        assertEquals(30, shares.get("noisy"), EPSILON, "the flood gets the rest: the budget is not wasted");
    }

    @Test
    void weightsSplitInProportion() {
        Map<String, Double> shares = FairShare.shares(40, List.of(new Claim("a", 3, 0, 100), new Claim("b", 1, 0, 100)));
        assertEquals(30, shares.get("a"), EPSILON);
        assertEquals(10, shares.get("b"), EPSILON);
    }

    @Test
    void minimumsComeFirst() {
        Map<String, Double> shares = FairShare.shares(20, List.of(new Claim("a", 1, 0, 100), new Claim("b", 1, 15, 100)));
        assertEquals(15, shares.get("b"), EPSILON);
        assertEquals(5, shares.get("a"), EPSILON);
    }

    @Test
    void aMinimumNeverExceedsDemand() {
        Map<String, Double> shares = FairShare.shares(20, List.of(new Claim("a", 1, 0, 100), new Claim("b", 1, 15, 3)));
        assertEquals(3, shares.get("b"), EPSILON);
        assertEquals(17, shares.get("a"), EPSILON);
    }

    @Test
    void noDemandNoShare() {
        assertEquals(0, FairShare.shares(20, List.of(new Claim("a", 1, 5, 0), new Claim("b", 1, 0, 100))).get("a"), EPSILON);
    }

    @Test
    void sharesNeverExceedTheBudgetOrADemandOverRandomClaims() {
        Random random = new Random(42);
        for (int round = 0; round < 10_000; round++) {
            int budget = 1 + random.nextInt(200);
            List<Claim> claims = new ArrayList<>();
            int minimums = 0;
            for (int d = 0; d < 1 + random.nextInt(35); d++) {
                int minimum = random.nextInt(4);
                if (minimums + minimum > budget) {
                    minimum = 0;
                }
                minimums += minimum;
                claims.add(new Claim("db" + d, 0.5 + random.nextInt(4), minimum, random.nextInt(60)));
            }
            Map<String, Double> shares = FairShare.shares(budget, claims);
            double sum = shares.values().stream().mapToDouble(Double::doubleValue).sum();
            assertTrue(sum <= budget + 1e-3, "sum " + sum + " over budget " + budget);
            long demand = claims.stream().mapToLong(Claim::demand).sum();
            assertEquals(Math.min(budget, demand), sum, 1e-3, "the budget is used as far as there is demand");
            for (Claim claim : claims) {
                double share = shares.get(claim.database());
                assertTrue(share <= claim.demand() + EPSILON);
                assertTrue(share + EPSILON >= Math.min(claim.minimum(), claim.demand()));
            }
        }
    }
}
