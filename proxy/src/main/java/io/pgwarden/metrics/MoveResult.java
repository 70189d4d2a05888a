package io.pgwarden.metrics;

/** The {@code result} label of {@code pgwarden_database_moves_total}: how a move (a reload changed backend or dbname) ended. */
public enum MoveResult {
    /** Every open transaction, session and pinned client left the old location within move_timeout. */
    CLEAN("clean"),
    /** move_timeout passed: the clients still on the old location were ended (57P01), then the move finished. */
    FORCED("forced"),
    /** The database was removed, or pgwarden shut down, before the move finished: it goes nowhere. */
    ABANDONED("abandoned");

    private final String label;

    MoveResult(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
