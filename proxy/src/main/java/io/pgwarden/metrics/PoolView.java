package io.pgwarden.metrics;

/**
 * What the pool of one database shows the outside: gauges are bound to these methods by method
 * reference, and the admin console's SHOW POOLS and the HTTP {@code /pools} read them. Called
 * from scrape and admin threads at any time, so implementations read their counts without
 * blocking the pool for long (a volatile read or a short lock).
 */
public interface PoolView {

    /** The logical database (a key under {@code databases:}). */
    String database();

    /** The backend it lives on (a key under {@code backends:}). */
    String backend();

    /** pool_size: the most server connections the pool may open. */
    int poolSize();

    /** Clients that hold a server connection. */
    int clientsActive();

    /** Clients waiting for a server connection. */
    int clientsWaiting();

    /** Clients connected but holding no server connection and waiting for none (transaction pooling, between transactions). */
    int clientsIdle();

    /** Server connections lent to a client. */
    int serversActive();

    /** Server connections free in the pool. */
    int serversIdle();

    /** Server connections being opened (connect and login). */
    int serversLogin();

    /** Server connections being reset (rollback, reset_query) before they go back to the pool. */
    int serversTested();

    /** How long the client waiting longest has waited so far; 0 when none waits (SHOW POOLS maxwait). */
    default long maxWaitNanos() {
        return 0;
    }

    /** The database's fair share of its instance's connection budget now. */
    default double fairShare() {
        return 0;
    }

    /** Times a client waited because of the instance budget (a counter). */
    default long throttledCount() {
        return 0;
    }

    /** Replication clients' server connections (open or opening): each a client's own, outside the pool. */
    default int replicationConnections() {
        return 0;
    }

    /** Server connections in use (active, login, tested) divided by pool_size. */
    static double saturation(PoolView view) {
        int size = view.poolSize();
        if (size <= 0) {
            return 0;
        }
        return (double) (view.serversActive() + view.serversLogin() + view.serversTested()) / size;
    }
}
