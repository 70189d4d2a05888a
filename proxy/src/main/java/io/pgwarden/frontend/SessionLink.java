package io.pgwarden.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.pgwarden.backend.ServerConnection;
import io.pgwarden.pool.ServerLease;

/**
 * Session mode's side of the server: bytes flow both ways untouched, as retained slices; reading
 * on one side waits until the other side can take more. Runs on the server's loop.
 */
final class SessionLink implements ServerSide {

    private final ClientOutbox outbox;
    private ServerLease lease;
    private ServerConnection server;
    /** The client must go once its server is idle outside a transaction: the reset query to run then, else null. */
    private String endWhenIdle;

    SessionLink(PooledClient session, Channel client) {
        this.outbox = new ClientOutbox(session, client);
    }

    @Override
    public boolean attach(ServerLease lease) {
        this.lease = lease;
        this.server = lease.server();
        outbox.attach(lease);
        return lease.attach(this);
    }

    @Override
    public void forward(ByteBuf frame) {
        lease.processed(); // asserts the server's loop
        server.channel().write(frame, server.channel().voidPromise());
    }

    @Override
    public void flush() {
        server.channel().flush();
    }

    @Override
    public void onServerMessage(ServerConnection from, ByteBuf frame) {
        outbox.write(frame);
    }

    @Override
    public void onServerReadComplete(ServerConnection from) {
        if (endWhenIdle != null) {
            // once per read batch, and only for a client that must go: nothing per message. Before the
            // batch goes out: a client that has read its ReadyForQuery could otherwise begin its next
            // transaction before the lease ends, and be let through (RunCommandSignalsIT, once in CI)
            tryEnd();
        }
        outbox.serverReadComplete(from);
    }

    /**
     * The client must go at its next transaction boundary: now if its server is idle outside a
     * transaction, else after the answer that brings it there. On the server's loop.
     */
    void endWhenIdle(String resetQuery) {
        endWhenIdle = resetQuery == null ? "" : resetQuery;
        tryEnd();
    }

    private void tryEnd() {
        if (EndAtBoundary.sessionIdle(server.atRequestBoundary(), server.transactionStatus())
                && lease.endAtBoundary(lease.grant(), endWhenIdle)) { // a session's lease is its own until it ends
            endWhenIdle = null;
            outbox.flush(lease); // what the server said, then the news that the lease is over: the client goes then
        }
    }

    @Override
    public void onServerWritabilityChanged(ServerConnection from) {
        outbox.serverWritabilityChanged(from);
    }

    @Override
    public void onServerClosed(ServerConnection from) {
        outbox.serverClosed(lease);
    }
}
