package io.pgwarden.backend;

import io.netty.buffer.ByteBuf;

/**
 * Whoever is using a server connection right now: a client session, or pgwarden itself running a
 * reset or a setting. Called on the server connection's event loop.
 */
public interface ServerListener {

    /** A whole message frame; the listener owns it (forward or release it). */
    void onServerMessage(ServerConnection server, ByteBuf frame);

    /** The last read of a batch is done: flush what was forwarded, then decide whether to read more. */
    void onServerReadComplete(ServerConnection server);

    void onServerWritabilityChanged(ServerConnection server);

    void onServerClosed(ServerConnection server);
}
