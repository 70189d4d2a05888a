package io.pgwarden.fleet;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static io.pgwarden.fleet.CancelKeys.Route.FORWARD;
import static io.pgwarden.fleet.CancelKeys.Route.FORWARDED_HERE;
import static io.pgwarden.fleet.CancelKeys.Route.LOCAL;
import static io.pgwarden.fleet.CancelKeys.Route.NOT_MINE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CancelKeysTest {

    @Test
    void aLonePgwardenIssuesThirtyTwoRandomBitsAndKeepsEveryRequest() {
        assertEquals(0xdeadbeef, CancelKeys.ALONE.secret(0xdeadbeef));
        assertEquals(LOCAL, CancelKeys.ALONE.route(0xdeadbeef));
        assertEquals(LOCAL, CancelKeys.ALONE.route(CancelKeys.forwarded(1)), "no mark without a fleet");
        assertEquals(0xdeadbeef, CancelKeys.ALONE.issued(0xdeadbeef));
        assertFalse(CancelKeys.ALONE.inFleet());
    }

    @Test
    void everyReplicaTellsTheOwnerOfAnyKeyAndTheRouteFollows() {
        SplittableRandom random = new SplittableRandom(14);
        for (int issuer : new int[] {0, 1, 2, 511, 1023}) {
            CancelKeys own = CancelKeys.ofReplica(issuer);
            for (int i = 0; i < 1000; i++) {
                int secret = own.secret(random.nextInt());
                assertEquals(issuer, own.owner(secret));
                assertEquals(LOCAL, own.route(secret), "a client's own replica");
                for (int other : new int[] {0, 1, 2, 511, 1023}) {
                    if (other == issuer) {
                        continue;
                    }
                    CancelKeys peer = CancelKeys.ofReplica(other);
                    assertEquals(issuer, peer.owner(secret));
                    assertEquals(FORWARD, peer.route(secret), "another replica forwards it");
                    int onTheWire = CancelKeys.forwarded(secret);
                    assertEquals(NOT_MINE, peer.route(onTheWire), "a forward is never forwarded again");
                    assertEquals(FORWARDED_HERE, own.route(onTheWire));
                    assertEquals(secret, own.issued(onTheWire), "looked up as issued");
                }
            }
        }
    }

    @Test
    void theRandomPartKeepsTwentyOneBits() {
        CancelKeys keys = CancelKeys.ofReplica(5);
        assertEquals(5 << 21 | 0x1fffff, keys.secret(-1));
        assertEquals(5 << 21, keys.secret(0x7fe00000), "bits above the random part come from the replica id");
    }

    @Test
    void replicaIdsAreTenBits() {
        assertThrows(IllegalArgumentException.class, () -> CancelKeys.ofReplica(1024));
        assertThrows(IllegalArgumentException.class, () -> CancelKeys.ofReplica(-1));
    }
}
