package io.pgwarden.fleet;

import io.pgwarden.config.FleetConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplicaIdTest {

    private static final FleetConfig DERIVED = new FleetConfig(OptionalInt.empty(), Optional.empty(), 3, List.of(), Duration.ofSeconds(30));

    @Test
    void theConfiguredIdWins() {
        FleetConfig set = new FleetConfig(OptionalInt.of(9), Optional.empty(), 3, List.of(), Duration.ofSeconds(30));
        assertEquals(new ReplicaId(9, "fleet.replica_id", false), ReplicaId.of(set, "pgwarden-2"));
    }

    @Test
    void aStatefulSetPodIsItsOrdinal() {
        assertEquals(2, ReplicaId.of(DERIVED, "pgwarden-2").id());
        assertEquals(0, ReplicaId.of(DERIVED, "pgwarden-0").id());
        assertEquals(1023, ReplicaId.of(DERIVED, "pg-warden-1023").id());
        assertFalse(ReplicaId.of(DERIVED, "pgwarden-17").hashed());
    }

    @Test
    void anyOtherNameIsHashedIntoTheRangeTheSameWayEveryTime() {
        ReplicaId deployment = ReplicaId.of(DERIVED, "pgwarden-7d9f8b6c5-x2k4p");
        assertTrue(deployment.hashed());
        assertTrue(deployment.id() >= 0 && deployment.id() <= 1023);
        assertEquals(deployment, ReplicaId.of(DERIVED, "pgwarden-7d9f8b6c5-x2k4p"));
        assertTrue(ReplicaId.of(DERIVED, "pgwarden-1024").hashed(), "an ordinal past 1023 cannot be an id");
    }

    @Test
    void aPodNameGivenAsTheIdWinsOverHostname() {
        FleetConfig named = new FleetConfig(OptionalInt.empty(), Optional.of("pgwarden-4"), 3, List.of(), Duration.ofSeconds(30));
        assertEquals(new ReplicaId(4, "the ordinal of fleet.replica_id pgwarden-4", false), ReplicaId.of(named, "something-else-1"));
    }

    @Test
    void noHostnameIsZero() {
        assertEquals(0, ReplicaId.of(DERIVED, null).id());
        assertEquals(0, ReplicaId.of(DERIVED, " ").id());
    }
}
