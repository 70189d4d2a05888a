package io.pgwarden.fleet;

import io.pgwarden.protocol.frontend.CancelRequest;

/** Sends a CancelRequest for another replica's key on to the peers. */
@FunctionalInterface
public interface CancelForwarder {

    /** Sends {@code request} (already marked forwarded); false when it was dropped instead (no peer known, or too many in flight). */
    boolean forward(CancelRequest request);

    /** A lone pgwarden has no one to forward to. */
    CancelForwarder NONE = request -> false;
}
