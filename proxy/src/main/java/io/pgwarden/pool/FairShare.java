package io.pgwarden.pool;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Weighted max-min fair shares of an instance's connection budget among the databases that want
 * connections. Each database with demand gets {@code clamp(level × weight, min(minimum, demand),
 * demand)}, the water level chosen so the shares fill the budget: nobody gets more than it asks
 * for, minimums come first, and what is left is split in proportion to the weights. A pure function.
 */
public final class FairShare {

    /**
     * What one database asks for.
     *
     * @param weight  its relative claim on the budget (greater than 0)
     * @param minimum connections guaranteed while it has demand
     * @param demand  connections it would use now: those it holds plus waiting clients, at most its cap
     */
    public record Claim(String database, double weight, int minimum, int demand) {
        public Claim {
            if (weight <= 0) {
                throw new IllegalArgumentException("weight must be greater than 0");
            }
        }
    }

    private FairShare() {
    }

    /** The share of each claimant (databases without demand get 0); shares add up to at most {@code budget}. */
    public static Map<String, Double> shares(int budget, List<Claim> claims) {
        Map<String, Double> shares = new LinkedHashMap<>();
        long totalDemand = 0;
        double maxLevel = 0;
        for (Claim claim : claims) {
            totalDemand += Math.max(0, claim.demand());
            maxLevel = Math.max(maxLevel, claim.demand() / claim.weight());
        }
        if (totalDemand <= budget) {
            claims.forEach(c -> shares.put(c.database(), (double) Math.max(0, c.demand())));
            return shares;
        }
        // sum(level) grows with the level: bisect for the level that fills the budget
        double low = 0;
        double high = maxLevel;
        for (int i = 0; i < 100; i++) {
            double mid = (low + high) / 2;
            if (total(mid, claims) > budget) {
                high = mid;
            } else {
                low = mid;
            }
        }
        for (Claim claim : claims) {
            shares.put(claim.database(), share(low, claim));
        }
        return shares;
    }

    private static double share(double level, Claim claim) {
        if (claim.demand() <= 0) {
            return 0;
        }
        double guaranteed = Math.min(claim.minimum(), claim.demand());
        return Math.max(guaranteed, Math.min(claim.demand(), level * claim.weight()));
    }

    private static double total(double level, List<Claim> claims) {
        double sum = 0;
        for (Claim claim : claims) {
            sum += share(level, claim);
        }
        return sum;
    }
}
