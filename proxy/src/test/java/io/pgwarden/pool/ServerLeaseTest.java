package io.pgwarden.pool;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.pgwarden.backend.ServerConnection;
import io.pgwarden.backend.ServerConnections;
import io.pgwarden.backend.ServerListener;
import io.pgwarden.protocol.Frames;
import io.pgwarden.protocol.backend.BackendMessages;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lease's one decision, "this server is free", made on the server's loop; and what it means
 * for late messages, frames on their way, and cancels on their way. No pool, no PostgreSQL: an
 * EmbeddedChannel is the server's socket, and the test plays the client's link.
 */
class ServerLeaseTest {

    private static final String QUERY = "510000000a53454c45435400"; // Query("SELECT")
    private static final String READY_IDLE = "5a0000000549"; // ReadyForQuery('I')
    private static final String NOTICE = "4e0000000a4d6c61746500"; // NoticeResponse(M=late)
    private static final String FATAL = "450000000a4d6c61746500"; // ErrorResponse(M=late)

    /** What the pool would do with the servers given back. */
    private static final class Returns implements ServerLease.Returns {
        final List<Boolean> checkedIn = new ArrayList<>();
        int resetting;

        @Override
        public void checkIn(ServerLease lease, boolean reusable) {
            checkedIn.add(reusable);
        }

        @Override
        public void resetting(ServerLease lease) {
            resetting++;
        }
    }

    /** The client's side: takes every message, and ends the lease at ReadyForQuery 'I' as TransactionLink does. */
    private final class Link implements ServerListener {
        final List<Byte> received = new ArrayList<>();
        boolean ended;

        @Override
        public void onServerMessage(ServerConnection from, ByteBuf frame) {
            byte type = Frames.type(frame);
            received.add(type);
            ReferenceCountUtil.release(frame);
            if (type == BackendMessages.READY_FOR_QUERY) {
                ended = lease.endIfIdle();
            }
        }

        @Override
        public void onServerReadComplete(ServerConnection from) {
        }

        @Override
        public void onServerWritabilityChanged(ServerConnection from) {
        }

        @Override
        public void onServerClosed(ServerConnection from) {
        }
    }

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final ServerConnection server = ServerConnections.on(channel);
    private final Returns pool = new Returns();
    private final PinnedClients pinned = new PinnedClients(1);
    private final ServerLease lease = new ServerLease(server, pool, pinned);
    private final Link link = new Link();

    @AfterEach
    void drain() {
        for (Object written; (written = channel.readOutbound()) != null; ) {
            ReferenceCountUtil.release(written);
        }
        channel.finishAndReleaseAll();
    }

    private void clientSendsQuery() {
        assertTrue(lease.offer(lease.grant()), "the lease takes the frame");
        lease.processed();
        channel.writeOutbound(hex(QUERY));
    }

    private void serverSends(String message) {
        channel.writeInbound(hex(message));
    }

    private static ByteBuf hex(String hex) {
        return Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex));
    }

    @Test
    void theLeaseEndsAtReadyForQueryIdleAndTheServerGoesBackInTheSameCall() {
        lease.granted();
        lease.attach(link);
        clientSendsQuery();
        serverSends(READY_IDLE);
        assertTrue(link.ended);
        assertEquals(List.of(true), pool.checkedIn, "back in the pool, reusable, with no task in between");
    }

    @Test
    void aLateMessageOfTheServerNeverReachesTheClientOnceTheLeaseEnded() {
        lease.granted();
        lease.attach(link);
        clientSendsQuery();
        serverSends(READY_IDLE);
        int seen = link.received.size();
        // no task runs in between: the listener went in the same call as the release
        serverSends(NOTICE);
        serverSends(FATAL);
        assertEquals(seen, link.received.size(), "the old client heard nothing more from this server");
    }

    @Test
    void aFrameHandedOverButNotYetProcessedKeepsTheServer() {
        lease.granted();
        lease.attach(link);
        clientSendsQuery();
        assertTrue(lease.offer(lease.grant()), "the client hands over a second query on its own loop");
        serverSends(READY_IDLE); // the answer to the first
        assertFalse(link.ended, "a frame is on its way: the server stays");
        assertTrue(pool.checkedIn.isEmpty());
        lease.processed();
        channel.writeOutbound(hex(QUERY));
        serverSends(READY_IDLE);
        assertTrue(link.ended);
    }

    @Test
    void anOfferAfterTheLeaseEndedFailsSoTheClientTakesAnotherServer() {
        lease.granted();
        lease.attach(link);
        clientSendsQuery();
        serverSends(READY_IDLE);
        assertFalse(lease.offer(lease.grant()));
        lease.granted(); // the next client
        assertTrue(lease.offer(lease.grant()));
    }

    /*
     * The soak (issue 16): a client pipelined a FunctionCall and an Execute in two TCP segments. The
     * FunctionCall's ReadyForQuery 'I' ended its lease, the pool gave the server straight to a
     * pgbench client, and the first client, not yet told, handed its Execute to the same lease
     * object: pgbench got 'portal "fp1" does not exist', and the first client waited for ever.
     */
    @Test
    void aClientNotYetToldItsLeaseEndedCannotHandFramesIntoTheNextClientsLease() {
        lease.granted();
        lease.attach(link);
        clientSendsQuery();
        serverSends(READY_IDLE); // the lease ends; the news is on its way to the client's loop
        int first = lease.grant();
        lease.granted(); // the server goes straight to the next client
        assertFalse(lease.offer(first), "the first client's frame must not reach the next client's server");
        assertTrue(lease.offer(lease.grant()), "the next client's own frame is taken");
    }

    @Test
    void aCancelOnItsWayHoldsTheServerBackUntilItsConnectionClosed() {
        lease.granted();
        lease.attach(link);
        clientSendsQuery();
        assertTrue(lease.cancelStarting(lease.grant()));
        serverSends(READY_IDLE);
        assertTrue(link.ended, "the client's lease is over");
        assertTrue(pool.checkedIn.isEmpty(), "but nobody else gets the server while the cancel may still land");
        lease.cancelDone();
        channel.runPendingTasks();
        assertEquals(List.of(true), pool.checkedIn);
    }

    @Test
    void aCancelForALeaseThatEndedIsNotSent() {
        lease.granted();
        int firstGrant = lease.grant();
        lease.attach(link);
        clientSendsQuery();
        serverSends(READY_IDLE);
        assertFalse(lease.cancelStarting(firstGrant), "ended: its query is over");
        lease.granted();
        assertFalse(lease.cancelStarting(firstGrant), "granted again: the query running now is another client's");
        assertTrue(lease.cancelStarting(lease.grant()));
    }

    @Test
    void sessionModeEndWaitsForACancelOnItsWayBeforeTheResetAndTheNextClient() {
        lease.granted();
        int grant = lease.grant();
        lease.attach(link);
        assertTrue(lease.cancelStarting(grant));
        lease.end(grant, "DISCARD ALL");
        assertTrue(pool.checkedIn.isEmpty());
        assertEquals(0, pool.resetting, "not even the reset is sent while the cancel may land");
        lease.cancelDone();
        channel.runPendingTasks();
        assertEquals(1, pool.resetting, "now it is reset");
        serverSends(READY_IDLE); // the answer to DISCARD ALL
        assertEquals(List.of(true), pool.checkedIn);
    }

    @Test
    void theEndOfAnEarlierGrantDoesNotEndTheNextClientsLease() {
        lease.granted();
        int firstGrant = lease.grant();
        lease.attach(link);
        clientSendsQuery();
        serverSends(READY_IDLE);
        lease.granted();
        lease.attach(link);
        lease.end(firstGrant, null); // the first client leaves late
        assertTrue(lease.offer(lease.grant()), "the second client still holds it");
        assertEquals(1, pool.checkedIn.size());
    }

    @Test
    void aServerThatClosedBetweenTheGrantAndTheAttachIsNotAttached() {
        assertTrue(lease.alive());
        channel.close();
        assertFalse(lease.alive());
        lease.granted();
        assertFalse(lease.attach(link), "the client must be told, not wait for an answer that never comes");
    }

    @Test
    void aPinnedLeaseDoesNotEndAtReadyForQueryIdleUntilEveryReasonIsGone() {
        lease.granted();
        lease.attach(link);
        clientSendsQuery();
        assertTrue(lease.pin(PinReason.LISTEN.bit() | PinReason.TEMP_TABLE.bit(), false));
        serverSends(READY_IDLE);
        assertFalse(link.ended, "pinned: the server stays with its client");
        assertTrue(pool.checkedIn.isEmpty());
        assertEquals(1, pinned.clients());
        assertEquals(1, pinned.clients(PinReason.LISTEN));

        lease.unpin(PinReason.LISTEN.bit());
        clientSendsQuery();
        serverSends(READY_IDLE);
        assertFalse(link.ended, "the temporary table is still there");

        lease.unpin(PinReason.TEMP_TABLE.bit());
        clientSendsQuery();
        serverSends(READY_IDLE);
        assertTrue(link.ended, "nothing left: the server is shared again");
        assertEquals(0, pinned.clients());
        assertEquals(1, pinned.pinsTotal(PinReason.TEMP_TABLE));
    }

    @Test
    void pastMaxPinnedAPinIsRefusedUnlessTheStateExistsAlready() {
        PinnedClients full = new PinnedClients(1);
        assertTrue(full.tryPin(), "another client holds the one place");
        ServerLease other = new ServerLease(server, pool, full);
        other.granted();
        assertFalse(other.pin(PinReason.PREPARED_STATEMENT.bit(), false), "max_pinned reached");
        assertEquals(0, other.pinReasons(), "nothing changed");
        assertTrue(other.pin(PinReason.LISTEN.bit(), true), "a notification arrived: the server listens already");
        assertEquals(2, full.clients());
    }

    @Test
    void aClientThatLeavesPinnedLeavesNothingBehind() {
        lease.granted();
        int grant = lease.grant();
        lease.attach(link);
        clientSendsQuery();
        lease.pin(PinReason.SETTING.bit(), false);
        serverSends(READY_IDLE);
        lease.end(grant, null); // transaction mode: no reset_query of its own
        assertEquals(0, pinned.clients(), "the pin ends with the client");
        assertEquals(1, pool.resetting, "the server is reset before anyone else gets it");
        Object reset = channel.readOutbound();
        for (Object more; (more = channel.readOutbound()) != null; ) {
            ReferenceCountUtil.release(reset);
            reset = more; // the query comes after the client's
        }
        ByteBuf query = (ByteBuf) reset;
        assertTrue(query.toString(java.nio.charset.StandardCharsets.US_ASCII).contains("DISCARD ALL"));
        query.release();
        server.sessionState().lastClientId(7);
        serverSends("43000000104449534341524420414c4c00"); // CommandComplete(DISCARD ALL)
        serverSends(READY_IDLE);
        assertEquals(List.of(true), pool.checkedIn);
        assertEquals(-1, server.sessionState().lastClientId(), "the next client's settings are applied afresh");
    }

    @Test
    void aServerThatClosesUnderAPinnedClientFreesItsPlace() {
        lease.granted();
        lease.attach(link);
        lease.pin(PinReason.ADVISORY_LOCK.bit(), false);
        lease.closed();
        assertEquals(0, pinned.clients());
        assertEquals(0, pinned.clients(PinReason.ADVISORY_LOCK));
    }
}
