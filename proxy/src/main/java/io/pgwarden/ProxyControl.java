package io.pgwarden;

import io.pgwarden.admin.AdminControl;
import io.pgwarden.admin.ReloadOutcome;
import io.pgwarden.pool.Pools;

import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** What the admin console does to the running proxy: the pools' commands, and those of the whole process. */
final class ProxyControl implements AdminControl {

    private final Pools pools;
    private final Supplier<? extends CompletionStage<ReloadOutcome>> reload;
    private final Drain drain;

    ProxyControl(Pools pools, Supplier<? extends CompletionStage<ReloadOutcome>> reload, Drain drain) {
        this.pools = pools;
        this.reload = reload;
        this.drain = drain;
    }

    @Override
    public void disable(String database) {
        pools.pool(database).disable();
    }

    @Override
    public void enable(String database) {
        pools.pool(database).enable();
    }

    @Override
    public CompletionStage<Void> waitClose(String database) {
        return pools.pool(database).waitClose();
    }

    @Override
    public void shutdownWaitForClients() {
        drain.waitForClients();
    }

    @Override
    public void shutdownWaitForServers() {
        drain.waitForServers();
    }

    @Override
    public CompletionStage<Void> pause(String database) {
        return pools.pause(database);
    }

    @Override
    public void resume(String database) {
        pools.resume(database);
    }

    @Override
    public void reconnect(String database) {
        pools.reconnect(database);
    }

    @Override
    public void kill(String database) {
        pools.kill(database);
    }

    @Override
    public void shutdown() {
        pools.shutdown();
    }

    @Override
    public CompletionStage<ReloadOutcome> reload() {
        return reload.get();
    }
}
