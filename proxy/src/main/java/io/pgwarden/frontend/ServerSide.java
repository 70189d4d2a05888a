package io.pgwarden.frontend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.backend.ServerListener;
import io.pgwarden.pool.ServerLease;

/**
 * A client's side of the server it holds, one per pool mode: forwards the client's frames to the
 * server and the server's messages to the client. Every method runs on the server's loop.
 */
interface ServerSide extends ServerListener {

    /**
     * The lease's server is this client's now: receive its messages. False when it has closed
     * already; what is forwarded to it then is dropped, and the client must be told.
     */
    boolean attach(ServerLease lease);

    /** One client frame, in order. */
    void forward(ByteBuf frame);

    /** The end of a batch of client frames: flush them to the server. */
    void flush();
}
