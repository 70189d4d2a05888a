/**
 * Several pgwarden replicas behind one Service: which replica issued a cancel key and where a cancel
 * goes ({@link io.pgwarden.fleet.CancelKeys}), the peers' addresses ({@link io.pgwarden.fleet.PeerDirectory}),
 * and this replica's id ({@link io.pgwarden.fleet.ReplicaId}). How the budget is shared is the pool's
 * ({@link io.pgwarden.pool.FleetSplit}).
 */
package io.pgwarden.fleet;
