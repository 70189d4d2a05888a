package io.pgwarden.admin;

/**
 * The books of {@code http.max_connections}: how many HTTP connections are open, and whether a new
 * one may join. Owned by the HTTP endpoint's single event loop, so plain fields.
 */
final class HttpConnectionCap {

    enum Admission {
        ADMITTED,
        /** The first refusal since a connection was last admitted: worth one log line. */
        REFUSED_FIRST,
        REFUSED
    }

    private final int max;
    private int open;
    private boolean refusing;

    HttpConnectionCap(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, not " + max);
        }
        this.max = max;
    }

    Admission admit() {
        if (open < max) {
            open++;
            refusing = false;
            return Admission.ADMITTED;
        }
        if (refusing) {
            return Admission.REFUSED;
        }
        refusing = true;
        return Admission.REFUSED_FIRST;
    }

    /** An admitted connection closed. */
    void closed() {
        if (open == 0) {
            throw new IllegalStateException("closed() without an admitted connection");
        }
        open--;
    }

    int open() {
        return open;
    }

    int max() {
        return max;
    }
}
