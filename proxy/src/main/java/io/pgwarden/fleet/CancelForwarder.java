package io.pgwarden.fleet;

import io.pgwarden.protocol.frontend.CancelRequest;

/** Sends a CancelRequest for another replica's key on to the peers. */
@FunctionalInterface
public interface CancelForwarder {

    /**
     * Sends {@code request} (already marked forwarded); false when it was dropped instead (no peer known,
     * or too many in flight), and then {@code done} is not run. Otherwise {@code done} runs once every
     * peer has closed its connection: the one that issued the key closes it only once its cancel has
     * reached PostgreSQL, so the client's cancel connection, closed then, cannot outrun its cancel.
     */
    boolean forward(CancelRequest request, Runnable done);

    /** A lone pgwarden has no one to forward to. */
    CancelForwarder NONE = (request, done) -> false;
}
