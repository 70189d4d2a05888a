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
 *
 * <p>What waits in the client loop's task queue is not counted by the client's writability: those
 * bytes are counted here, and the server is not read again while they pass the client's write
 * high-water mark (a client whose loop is busy would otherwise let a COPY TO pile up there). The
 * client's loop reads the server again once they are written.
 */
final class ClientOutbox {

    private final PooledClient session;
    private final Channel client;
    private boolean sameLoop;
    private List<ByteBuf> gathered = new ArrayList<>();
    private int gatheredBytes;
    private boolean written;
    private ServerConnection server;
    /** Server → client bytes handed to the client's loop and not written there yet. */
    private final HandedOverBytes handedToClient;

    ClientOutbox(PooledClient session, Channel client) {
        this.session = session;
        this.client = client;
        this.handedToClient = new HandedOverBytes(client);
    }

    /** The outbox now serves a server on {@code lease}'s loop. */
    void attach(ServerLease lease) {
        sameLoop = lease.loop() == client.eventLoop();
        server = lease.server();
    }

    void write(ByteBuf frame) {
        written = true;
        if (sameLoop) {
            client.write(frame, client.voidPromise());
        } else {
            gathered.add(frame);
            gatheredBytes += frame.readableBytes();
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
        int bytes = gatheredBytes;
        gatheredBytes = 0;
        written = false;
        if (bytes > 0) {
            handedToClient.handed(bytes);
        }
        ServerConnection from = server;
        client.eventLoop().execute(() -> {
            for (int i = 0; i < frames.size(); i++) {
                client.write(frames.get(i), client.voidPromise());
            }
            client.flush();
            if (bytes > 0 && handedToClient.written(bytes)) {
                from.read(); // on its own loop (a task there): the client took what was handed over
            }
            if (ended != null) {
                session.leaseEnded(ended);
            }
        });
    }

    /** The server's read batch is over: the client gets it, and the server is read again if the client can take more. */
    void serverReadComplete(ServerConnection from) {
        flush(null);
        if (client.isWritable() && !handedToClient.tooMany()) {
            from.read();
        } // else: read again when the client catches up (its channelWritabilityChanged, or what was handed over written)
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
