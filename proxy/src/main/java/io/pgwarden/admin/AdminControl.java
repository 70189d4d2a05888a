package io.pgwarden.admin;

import java.util.concurrent.CompletionStage;

/**
 * What the admin console's commands do to the running proxy. The console has checked the
 * database name against the config and expanded "all databases" into one call per database.
 * Methods are called on an admin session's event loop: start the work and return.
 */
public interface AdminControl {

    /**
     * PAUSE: hold new transactions (and new clients) of {@code database} until {@link #resume};
     * completes when the transactions in flight have ended and every server connection is back in
     * the pool. The console answers only then, as PgBouncer does.
     */
    CompletionStage<Void> pause(String database);

    /** RESUME: let held clients of a paused {@code database} go on. */
    void resume(String database);

    /** RECONNECT: close each server connection of {@code database} when it is next released; new ones open as needed. */
    void reconnect(String database);

    /** KILL: close every client and server connection of {@code database} now. */
    void kill(String database);

    /** SHUTDOWN: stop pgwarden. Called after the console's reply has been written. */
    void shutdown();

    /** SHUTDOWN WAIT_FOR_CLIENTS: no new connections; exit once every client has disconnected (PgBouncer 1.23). */
    default void shutdownWaitForClients() {
        throw new UnsupportedOperationException("SHUTDOWN WAIT_FOR_CLIENTS");
    }

    /** SHUTDOWN WAIT_FOR_SERVERS: no new connections, every database paused; exit once every server is released. */
    default void shutdownWaitForServers() {
        throw new UnsupportedOperationException("SHUTDOWN WAIT_FOR_SERVERS");
    }

    /** DISABLE: refuse new clients of {@code database}; connected ones are not touched. */
    default void disable(String database) {
        throw new UnsupportedOperationException("DISABLE");
    }

    /** ENABLE: accept new clients of {@code database} again after DISABLE. */
    default void enable(String database) {
        throw new UnsupportedOperationException("ENABLE");
    }

    /**
     * WAIT_CLOSE: completes when every server connection of {@code database} that RECONNECT or a
     * reload marked for closing is closed.
     */
    default CompletionStage<Void> waitClose(String database) {
        throw new UnsupportedOperationException("WAIT_CLOSE");
    }

    /** RELOAD: read the config file again and apply it, all or nothing (off the event loops). */
    default CompletionStage<ReloadOutcome> reload() {
        return java.util.concurrent.CompletableFuture.completedFuture(
                new ReloadOutcome(false, java.util.List.of("this pgwarden cannot reload its config")));
    }
}
