package io.pgwarden.frontend;

import io.pgwarden.backend.BackendCanceller;

/** A client whose running query a CancelRequest with its key may cancel. */
@FunctionalInterface
interface CancelTarget {

    /**
     * Cancels the client's running query, if one runs now. {@code done} runs (on any thread) once
     * PostgreSQL has closed the cancel connection pgwarden opened for it, or at once when nothing was
     * cancelled: the client's own cancel connection is closed then, as PostgreSQL closes one only after
     * it has signalled the backend. A driver that waits for that close (pgjdbc) so never sends its next
     * query before the cancel has landed, where it would cancel that query instead.
     */
    void cancelRunningQuery(BackendCanceller canceller, Runnable done);
}
