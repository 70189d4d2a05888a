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
        outbox.serverReadComplete(from);
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
