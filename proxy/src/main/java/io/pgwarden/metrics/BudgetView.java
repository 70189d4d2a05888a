package io.pgwarden.metrics;

/** An instance's connection budget, as the metrics see it. */
public interface BudgetView {

    String backend();

    /** Server connections pgwarden may hold on the instance. */
    int capacity();

    /** Server connections held now. */
    int used();
}
