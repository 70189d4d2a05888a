package io.pgwarden.config;

import static io.pgwarden.config.TestConfigs.MINIMAL;
import static io.pgwarden.config.TestConfigs.errorsOf;
import static io.pgwarden.config.TestConfigs.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The {@code fleet:} section: several replicas sharing cancels and budgets. */
class FleetConfigTest {

    @Test
    void withoutTheSectionPgwardenIsAlone() throws ConfigException {
        FleetConfig fleet = parse(MINIMAL).fleet();
        assertEquals(FleetConfig.NONE, fleet);
        assertFalse(fleet.forwardsCancels());
        assertFalse(fleet.sharesBudget(), "expected_replicas 1: today's budget, not shared");
    }

    @Test
    void everyKeyIsRead() throws ConfigException {
        FleetConfig fleet = parse(MINIMAL + """
                fleet:
                  replica_id: 7
                  expected_replicas: 3
                  peers: [pgwarden-peers.prod.svc.cluster.local:6432, 10.0.0.5:6433, "[fd00::1]:6432"]
                  peer_refresh_interval: 5s
                """).fleet();
        assertEquals(new FleetConfig(OptionalInt.of(7), Optional.empty(), 3, List.of(
                new FleetConfig.PeerAddress("pgwarden-peers.prod.svc.cluster.local", 6432),
                new FleetConfig.PeerAddress("10.0.0.5", 6433),
                new FleetConfig.PeerAddress("fd00::1", 6432)), Duration.ofSeconds(5)), fleet);
        assertTrue(fleet.forwardsCancels());
        assertTrue(fleet.sharesBudget());
        assertEquals("[fd00::1]:6432", fleet.peers().get(2).toString());
    }

    @Test
    void expectedReplicasAloneSharesTheBudgetButForwardsNoCancel() throws ConfigException {
        FleetConfig fleet = parse(MINIMAL + "fleet:\n  expected_replicas: 2\n").fleet();
        assertTrue(fleet.sharesBudget());
        assertFalse(fleet.forwardsCancels());
        assertEquals(OptionalInt.empty(), fleet.replicaId(), "derived from HOSTNAME at start");
    }

    @Test
    void aPodNameMayStandForTheIdAndOnePeerNeedsNoList() throws ConfigException {
        // as docker/k8s/configmap.yaml writes it
        FleetConfig fleet = TestConfigs.parse(MINIMAL + """
                fleet:
                  replica_id: ${POD_NAME}
                  peers: pgwarden-peers:6432
                """, java.util.Map.of("POD_NAME", "pgwarden-5d9c7b8f4-x2k4p")).fleet();
        assertEquals(OptionalInt.empty(), fleet.replicaId());
        assertEquals(Optional.of("pgwarden-5d9c7b8f4-x2k4p"), fleet.replicaName());
        assertEquals(List.of(new FleetConfig.PeerAddress("pgwarden-peers", 6432)), fleet.peers());
        assertEquals(List.of("fleet.peers (line 13): 'pgwarden-peers' is not host:port (write e.g. "
                        + "pgwarden-peers.prod.svc.cluster.local:6432, or [::1]:6432)"),
                errorsOf(MINIMAL + "fleet:\n  peers: pgwarden-peers\n"));
        assertEquals(List.of("fleet.replica_id (line 13): is empty: give a number from 0 to 1023, or a pod name to derive it from, "
                + "or leave it out"), errorsOf(MINIMAL + "fleet:\n  replica_id: ''\n"));
    }

    @Test
    void badValuesAreNamedWithTheirLine() throws ConfigException {
        assertEquals(List.of(
                        "fleet.replica_id (line 13): must be between 0 and 1023",
                        "fleet.expected_replicas (line 14): must be between 1 and 1024",
                        "fleet.peers[0] (line 15): 'pgwarden-peers' is not host:port (write e.g. "
                                + "pgwarden-peers.prod.svc.cluster.local:6432, or [::1]:6432)",
                        "fleet.peers[1] (line 15): port 70000 must be between 1 and 65535",
                        "fleet.peer_refresh_interval (line 16): must be greater than 0"),
                errorsOf(MINIMAL + """
                        fleet:
                          replica_id: 1024
                          expected_replicas: 0
                          peers: [pgwarden-peers, "h:70000"]
                          peer_refresh_interval: 0s
                        """));
        assertEquals(List.of("fleet.peer_id (line 13): unknown key; expected one of: replica_id, expected_replicas, peers, "
                + "peer_refresh_interval"), errorsOf(MINIMAL + "fleet:\n  peer_id: 1\n"));
    }

    @Test
    void peerAddressesAreHostColonPort() {
        assertEquals(new FleetConfig.PeerAddress("a.b", 1), FleetConfig.PeerAddress.parse("a.b:1"));
        assertEquals(new FleetConfig.PeerAddress("::1", 6432), FleetConfig.PeerAddress.parse("[::1]:6432"));
        assertNull(FleetConfig.PeerAddress.parse("::1:6432"), "IPv6 needs brackets");
        assertNull(FleetConfig.PeerAddress.parse(":6432"));
        assertNull(FleetConfig.PeerAddress.parse("host:"));
        assertNull(FleetConfig.PeerAddress.parse("host:http"));
    }
}
