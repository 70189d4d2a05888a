package io.pgwarden.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.pgwarden.backend.ServerConnection;
import io.pgwarden.pool.ServerLease;

import java.util.ArrayList;
import java.util.List;

/**
 * What a server's loop sends to a client. When the client lives on the same loop, frames are
 * written straight to its channel. When it lives on another, they are gathered and handed over in
 * one task per read batch (not one task per frame, which is what writing to another loop's
 * channel costs in Netty), together with the news that the lease ended, if it did: the client
 * learns of the end only after every response before it, so it can never take a new server and
 * see that server's answer first. Owned by the server's loop.
 */
final class ClientOutbox {

    private final PooledClient session;
    private final Channel client;
    private boolean sameLoop;
    private List<ByteBuf> gathered = new ArrayList<>();
    private boolean written;

    ClientOutbox(PooledClient session, Channel client) {
        this.session = session;
        this.client = client;
    }

    /** The outbox now serves a server on {@code lease}'s loop. */
    void attach(ServerLease lease) {
        sameLoop = lease.loop() == client.eventLoop();
    }

    void write(ByteBuf frame) {
        written = true;
        if (sameLoop) {
            client.write(frame, client.voidPromise());
        } else {
            gathered.add(frame);
        }
    }

    /** Everything written so far goes to the client now; with {@code ended}, the news that this lease is over. */
    void flush(ServerLease ended) {
        if (sameLoop) {
            if (written) {
                written = false;
                client.flush();
            }
            if (ended != null) {
                session.leaseEnded(ended);
            }
            return;
        }
        if (gathered.isEmpty() && ended == null) {
            return;
        }
        List<ByteBuf> frames = gathered.isEmpty() ? List.of() : gathered;
        if (!frames.isEmpty()) {
            gathered = new ArrayList<>();
        }
        written = false;
        client.eventLoop().execute(() -> {
            for (int i = 0; i < frames.size(); i++) {
                client.write(frames.get(i), client.voidPromise());
            }
            client.flush();
            if (ended != null) {
                session.leaseEnded(ended);
            }
        });
    }

    /** The server's read batch is over: the client gets it, and the server is read again if the client can take more. */
    void serverReadComplete(ServerConnection from) {
        flush(null);
        if (client.isWritable()) {
            from.read();
        } // else: read again when the client catches up (its channelWritabilityChanged)
    }

    /** The server can take more of the client's frames: read the client again. */
    void serverWritabilityChanged(ServerConnection from) {
        if (from.channel().isWritable() && client.isActive()) {
            client.read();
        }
    }

    /** The server closed: what it said reaches the client, then the client closes. */
    void serverClosed(ServerLease lease) {
        flush(null); // PostgreSQL sends its own FATAL before it goes (terminated, shut down): pass on what we have
        session.serverClosed(lease);
    }
}
