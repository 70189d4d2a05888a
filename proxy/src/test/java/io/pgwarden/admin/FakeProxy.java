package io.pgwarden.admin;

import io.pgwarden.metrics.MetricsFixtures.FixedPoolView;
import io.pgwarden.metrics.PoolView;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** An {@link AdminView} and {@link AdminControl} over plain fields: what the console sees and what it was asked to do. */
final class FakeProxy implements AdminView, AdminControl {

    final FixedPoolView orders = new FixedPoolView("orders", "main", 4);
    final FixedPoolView payments = new FixedPoolView("payments", "main", 20);
    final List<ConnectionInfo> clients = new ArrayList<>();
    final List<ConnectionInfo> servers = new ArrayList<>();
    final Set<String> paused = new HashSet<>();
    final List<String> calls = new ArrayList<>();
    /** PAUSE of a database completes when the test completes its future. */
    final Map<String, CompletableFuture<Void>> pauses = new ConcurrentHashMap<>();

    @Override
    public List<? extends PoolView> pools() {
        return List.of(orders, payments);
    }

    @Override
    public List<ConnectionInfo> clients() {
        return clients;
    }

    @Override
    public List<ConnectionInfo> servers() {
        return servers;
    }

    @Override
    public boolean isPaused(String database) {
        return paused.contains(database);
    }

    @Override
    public CompletionStage<Void> pause(String database) {
        calls.add("pause " + database);
        paused.add(database);
        return pauses.computeIfAbsent(database, d -> new CompletableFuture<>());
    }

    @Override
    public void resume(String database) {
        calls.add("resume " + database);
        paused.remove(database);
    }

    @Override
    public void reconnect(String database) {
        calls.add("reconnect " + database);
    }

    @Override
    public void kill(String database) {
        calls.add("kill " + database);
    }

    @Override
    public void shutdown() {
        calls.add("shutdown");
    }
}
