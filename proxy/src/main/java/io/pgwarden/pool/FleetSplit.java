package io.pgwarden.pool;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How much of an instance's budget one replica of a fleet may hold: a pure function of what it read
 * from pg_stat_activity, under the fleet's lock ({@link FleetBudgetSync}).
 *
 * <p>Safety first: a replica never takes more than the budget less what the others have
 * <em>reserved</em> (each publishes its own capacity; connections of the databases' roles that no
 * marker accounts for, e.g. a replica that lost its marker connection, count as reserved too).
 * Reservations are raised only under the lock, so the capacities of all replicas never add up to more
 * than the budget, however their samples interleave.
 *
 * <p>Fairness within that: the weighted max-min fair shares ({@link FairShare}) are computed over the
 * whole fleet's demand per database: this replica's own demand, plus the peers' there, estimated as
 * the connections pg_stat_activity shows them holding there or, if more, their published total
 * demand (one number per peer) in this replica's own mix of databases. Behind a round-robin front
 * every replica sees about the same mix, and the estimate is exact. This replica's target is its part
 * of each database's fleet share, in proportion to its demand there, plus an even part of what the
 * whole fleet's demand leaves unused (room for a burst before the next round).
 */
public final class FleetSplit {

    /** One database as this replica sees it: its settings, its demand ({@link InstanceBudget}'s) and the connections it holds. */
    public record Use(String database, int weight, int minimum, int demand, int held) {
    }

    /** What one peer published: its capacity (its reservation), the connections it held, and its total demand. */
    public record Peer(int replicaId, int reserved, int held, int want) {
    }

    /**
     * @param capacity       what this replica may hold now
     * @param target         its fair part of the fleet's budget, before the others' reservations cap it
     * @param othersReserved what the other replicas hold or may hold
     */
    public record Split(int capacity, double target, int othersReserved) {
    }

    private FleetSplit() {
    }

    /**
     * @param budget         the instance's budget for the whole fleet
     * @param mine           this replica's databases
     * @param peerHeld       connections of each database held by anyone else (pg_stat_activity, by role and database)
     * @param peers          the other replicas' markers
     */
    public static Split split(int budget, List<Use> mine, Map<String, Integer> peerHeld, List<Peer> peers) {
        int peersHeld = peerHeld.values().stream().mapToInt(Integer::intValue).sum();
        int markedHeld = 0;
        int reserved = 0;
        for (Peer peer : peers) {
            markedHeld += peer.held();
            reserved += peer.reserved();
        }
        int othersReserved = reserved + Math.max(0, peersHeld - markedHeld);
        int room = Math.max(0, budget - othersReserved);

        // the peers' demand per database: what they hold there, or their published total in this replica's
        // mix if more (behind a round-robin front every replica sees about the same mix)
        int peersWant = 0;
        for (Peer peer : peers) {
            peersWant += Math.max(peer.want(), peer.held());
        }
        double myTotal = 0;
        double heldTotal = 0;
        for (Use use : mine) {
            myTotal += use.demand();
            heldTotal += peerHeld.getOrDefault(use.database(), 0);
        }
        List<FairShare.Claim> claims = new ArrayList<>(mine.size());
        double[] fleetDemand = new double[mine.size()];
        for (int i = 0; i < mine.size(); i++) {
            Use use = mine.get(i);
            int held = peerHeld.getOrDefault(use.database(), 0);
            double mix = myTotal > 0 ? use.demand() / myTotal : heldTotal > 0 ? held / heldTotal : 1.0 / mine.size();
            fleetDemand[i] = use.demand() + Math.max(held, peersWant * mix);
            claims.add(new FairShare.Claim(use.database(), use.weight(), use.minimum(), (int) Math.ceil(fleetDemand[i] - 1e-9)));
        }
        Map<String, Double> shares = FairShare.shares(budget, claims);
        // what the fleet's demand leaves unused is spread evenly over the replicas alive, as room for bursts
        double slack = Math.max(0, budget - shares.values().stream().mapToDouble(Double::doubleValue).sum());
        double target = slack / (peers.size() + 1);
        for (int i = 0; i < mine.size(); i++) {
            Use use = mine.get(i);
            if (fleetDemand[i] > 0) {
                target += shares.getOrDefault(use.database(), 0.0) * use.demand() / fleetDemand[i];
            }
        }
        // at least one: a replica with no demand yet is served at once when its first client comes
        int wanted = Math.max(1, (int) Math.ceil(target - 1e-9));
        return new Split(Math.min(room, wanted), target, othersReserved);
    }
}
