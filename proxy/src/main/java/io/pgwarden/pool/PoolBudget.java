package io.pgwarden.pool;

import java.util.List;

/**
 * The instance budget as one pool sees it: every call reports the pool's numbers (cap, connections
 * in use or opening, recent peak, clients waiting) and may hand back follow-ups that the caller runs
 * once it holds no lock (wake another pool, close idle connections).
 */
interface PoolBudget {

    /** One more connection: true when granted; follow-ups are added to {@code followUps}. Unlimited: always. */
    default boolean request(int cap, int busy, int recentPeak, int waiting, List<Runnable> followUps) {
        return true;
    }

    /** True when a freed connection should go back to the instance rather than be reused. Unlimited: never. */
    default boolean mustYield(int cap, int busy, int recentPeak, int waiting) {
        return false;
    }

    /** A connection is gone (closed, or its opening failed). */
    default void returned(int cap, int busy, int recentPeak, int waiting, List<Runnable> followUps) {
    }

    /** Demand changed without a request (clients gave up or were served). */
    default void changed(int cap, int busy, int recentPeak, int waiting, List<Runnable> followUps) {
    }

    /** The periodic report. */
    default void rebalance(int cap, int busy, int recentPeak, int waiting, List<Runnable> followUps) {
    }

    /** No instance limit: every request is granted. */
    PoolBudget UNLIMITED = new PoolBudget() {
    };

    /** {@code database}'s membership of {@code budget}. */
    static PoolBudget of(InstanceBudget budget, String database) {
        return new PoolBudget() {
            @Override
            public boolean request(int cap, int busy, int recentPeak, int waiting, List<Runnable> followUps) {
                InstanceBudget.Decision decision = budget.request(database, cap, busy, recentPeak, waiting);
                followUps.addAll(decision.followUps());
                return decision.granted();
            }

            @Override
            public boolean mustYield(int cap, int busy, int recentPeak, int waiting) {
                return budget.mustYield(database, cap, busy, recentPeak, waiting);
            }

            @Override
            public void returned(int cap, int busy, int recentPeak, int waiting, List<Runnable> followUps) {
                followUps.addAll(budget.returned(database, cap, busy, recentPeak, waiting));
            }

            @Override
            public void changed(int cap, int busy, int recentPeak, int waiting, List<Runnable> followUps) {
                followUps.addAll(budget.changed(database, cap, busy, recentPeak, waiting));
            }

            @Override
            public void rebalance(int cap, int busy, int recentPeak, int waiting, List<Runnable> followUps) {
                followUps.addAll(budget.rebalance(database, cap, busy, recentPeak, waiting));
            }
        };
    }
}
