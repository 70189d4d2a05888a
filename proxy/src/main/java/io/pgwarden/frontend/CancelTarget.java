package io.pgwarden.frontend;

import io.pgwarden.backend.BackendCanceller;

/** A client whose running query a CancelRequest with its key may cancel. */
@FunctionalInterface
interface CancelTarget {

    void cancelRunningQuery(BackendCanceller canceller);
}
