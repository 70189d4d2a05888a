package io.pgwarden.frontend;

import io.pgwarden.fleet.CancelForwarder;
import io.pgwarden.fleet.CancelKeys;
import io.pgwarden.metrics.CancelOutcome;
import io.pgwarden.protocol.frontend.CancelRequest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where a CancelRequest goes, on three replicas of a fleet: the registries as they are, the peers' wire a list. */
class CancelRegistryTest {

    private final List<CancelRequest> sentToPeers = new ArrayList<>();
    /** What each forward runs once the peers have closed their connections. */
    private final List<Runnable> peersClosed = new ArrayList<>();
    private final CancelForwarder wire = (request, done) -> sentToPeers.add(request) && peersClosed.add(done);
    private final CancelRegistry replica0 = new CancelRegistry(CancelKeys.ofReplica(0), wire);
    private final CancelRegistry replica1 = new CancelRegistry(CancelKeys.ofReplica(1), wire);
    private final CancelRegistry replica2 = new CancelRegistry(CancelKeys.ofReplica(2), wire);
    private final AtomicInteger cancelled = new AtomicInteger();

    @Test
    void aCancelThatReachesAnotherReplicaIsForwardedOnceAndOnlyItsOwnerActs() {
        int secret = replica1.register(4711, (canceller, done) -> cancelled.incrementAndGet());
        assertEquals(CancelOutcome.FORWARDED, replica0.cancel(new CancelRequest(4711, secret), null));
        assertEquals(1, sentToPeers.size());
        CancelRequest forwarded = sentToPeers.get(0);
        assertEquals(CancelOutcome.NOT_MINE, replica2.cancel(forwarded, null), "the third replica drops it");
        assertEquals(CancelOutcome.LOCAL, replica1.cancel(forwarded, null));
        assertEquals(1, cancelled.get());
        assertEquals(1, sentToPeers.size(), "nobody forwarded it again");
    }

    @Test
    void aCancelThatReachesItsOwnReplicaStaysThere() {
        int secret = replica2.register(99, (canceller, done) -> cancelled.incrementAndGet());
        assertEquals(CancelOutcome.LOCAL, replica2.cancel(new CancelRequest(99, secret), null));
        assertEquals(1, cancelled.get());
        assertTrue(sentToPeers.isEmpty());
    }

    @Test
    void aForgedOrStaleKeyIsDroppedAndToldApart() {
        int secret = replica1.register(7, (canceller, done) -> cancelled.incrementAndGet());
        assertEquals(CancelOutcome.UNKNOWN_KEY, replica1.cancel(new CancelRequest(7, secret ^ 1), null), "wrong secret");
        assertEquals(CancelOutcome.UNKNOWN_KEY, replica1.cancel(new CancelRequest(8, secret), null), "wrong pid");
        replica1.unregister(7, secret);
        assertEquals(CancelOutcome.UNKNOWN_KEY, replica1.cancel(new CancelRequest(7, secret), null), "client gone");
        assertEquals(0, cancelled.get());
    }

    @Test
    void withoutPeersAnotherReplicasKeyIsDroppedAndCounted() {
        CancelRegistry lonely = new CancelRegistry(CancelKeys.ofReplica(0), (request, done) -> false);
        int secret = replica1.register(1, (canceller, done) -> cancelled.incrementAndGet());
        assertEquals(CancelOutcome.FORWARD_DROPPED, lonely.cancel(new CancelRequest(1, secret), null));
    }

    @Test
    void aLonePgwardenKeepsEveryKeyToItself() {
        CancelRegistry alone = new CancelRegistry();
        int secret = alone.register(3, (canceller, done) -> cancelled.incrementAndGet());
        assertEquals(CancelOutcome.LOCAL, alone.cancel(new CancelRequest(3, secret), null));
        assertEquals(CancelOutcome.UNKNOWN_KEY, alone.cancel(new CancelRequest(3, CancelKeys.forwarded(secret ^ 2)), null));
        assertEquals(1, cancelled.get());
    }

    @Test
    void theClientsCancelConnectionIsDoneOnlyWhenItsCancelHasLanded() {
        CancelRegistry alone = new CancelRegistry();
        List<Runnable> onItsWay = new ArrayList<>();
        int secret = alone.register(5, (canceller, done) -> onItsWay.add(done));
        AtomicInteger closed = new AtomicInteger();
        assertEquals(CancelOutcome.LOCAL, alone.cancel(new CancelRequest(5, secret), null, closed::incrementAndGet));
        assertEquals(0, closed.get(), "not while the cancel is on its way to PostgreSQL");
        onItsWay.get(0).run();
        assertEquals(1, closed.get());
        assertEquals(CancelOutcome.UNKNOWN_KEY, alone.cancel(new CancelRequest(6, secret), null, closed::incrementAndGet));
        assertEquals(2, closed.get(), "nothing to wait for: at once");
        CancelRegistry lonely = new CancelRegistry(CancelKeys.ofReplica(0), (request, done) -> false);
        int othersSecret = replica1.register(9, (canceller, done) -> onItsWay.add(done));
        assertEquals(CancelOutcome.FORWARD_DROPPED, lonely.cancel(new CancelRequest(9, othersSecret), null, closed::incrementAndGet));
        assertEquals(3, closed.get(), "not for this replica: at once");
    }

    @Test
    void aForwardedCancelsConnectionIsDoneOnlyWhenThePeersHaveClosedTheirs() {
        int secret = replica1.register(12, (canceller, done) -> cancelled.incrementAndGet());
        AtomicInteger closed = new AtomicInteger();
        assertEquals(CancelOutcome.FORWARDED, replica0.cancel(new CancelRequest(12, secret), null, closed::incrementAndGet));
        assertEquals(0, closed.get(), "not while the owner may still be sending it to PostgreSQL");
        peersClosed.get(0).run();
        assertEquals(1, closed.get());
    }
}
