package io.pgwarden.admin;

import io.pgwarden.metrics.PoolView;
import java.util.List;

/**
 * What the admin console and the HTTP endpoint read from the running proxy. Implemented by the
 * pools; called from admin sessions' event loops and the HTTP thread, so every method returns a
 * snapshot quickly and never blocks on I/O.
 */
public interface AdminView {

    /** One view per configured database, in file order. */
    List<? extends PoolView> pools();

    /** Client connections past authentication; admin console sessions may be left out. */
    List<ConnectionInfo> clients();

    /** Server connections, open or opening. */
    List<ConnectionInfo> servers();

    /** Whether PAUSE holds new transactions of this database. */
    boolean isPaused(String database);

    /** Whether DISABLE refuses new clients of this database. */
    default boolean isDisabled(String database) {
        return false;
    }
}
