package io.pgwarden.frontend;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgwarden.config.PoolSettings;

import java.util.concurrent.TimeUnit;

/**
 * query_timeout, idle_transaction_timeout, client_idle_timeout and pinned_idle_timeout for one
 * transaction-mode client.
 * The forwarding path only writes timestamps; one timer per client, set for the nearest deadline
 * and moved only when it fires, reads them and acts. Runs on the client's event loop; nothing is
 * scheduled when no timeout is configured.
 */
final class TransactionTimeouts {

    /** What the timeouts act on. */
    interface Client {
        /** When the oldest unanswered request was sent, or 0 when none is running. */
        long busySinceNanos();

        /**
         * When the server began waiting on the client inside a transaction (ReadyForQuery T/E, an
         * extended query answered but not synced, COPY FROM STDIN awaiting data), or 0 when it is not.
         */
        long idleInTransactionSinceNanos();

        /** When a pinned client began to keep its server while idle outside a transaction, or 0 when it does not. */
        long pinnedIdleSinceNanos();

        /** True when the client holds no server (between transactions). */
        boolean betweenTransactions();

        void cancelRunningQuery();

        void terminate(String sqlState, String message);
    }

    static final String IDLE_IN_TRANSACTION_TIMEOUT = "25P03";
    static final String IDLE_SESSION_TIMEOUT = "57P05";

    private final long queryTimeout;
    private final long idleTransactionTimeout;
    private final long clientIdleTimeout;
    private final long pinnedIdleTimeout;
    private final long shortestTimeout;
    private final EventLoop loop;
    private final Client client;
    private ScheduledFuture<?> timer;
    private long timerDeadline = Long.MAX_VALUE;
    private long lastActivityNanos = System.nanoTime();
    private long cancelledRequest;

    TransactionTimeouts(PoolSettings settings, EventLoop loop, Client client) {
        this.queryTimeout = settings.queryTimeout().toNanos();
        this.idleTransactionTimeout = settings.idleTransactionTimeout().toNanos();
        this.clientIdleTimeout = settings.clientIdleTimeout().toNanos();
        this.pinnedIdleTimeout = settings.pinning() == io.pgwarden.config.Pinning.AUTO ? settings.pinnedIdleTimeout().toNanos() : 0;
        long shortest = Long.MAX_VALUE;
        for (long timeout : new long[] {queryTimeout, idleTransactionTimeout, clientIdleTimeout, pinnedIdleTimeout}) {
            if (timeout > 0) {
                shortest = Math.min(shortest, timeout);
            }
        }
        this.shortestTimeout = shortest;
        this.loop = loop;
        this.client = client;
    }

    boolean enabled() {
        return queryTimeout > 0 || idleTransactionTimeout > 0 || clientIdleTimeout > 0 || pinnedIdleTimeout > 0;
    }

    /** The client sent something: idle clocks restart, a query clock may start. */
    void clientActive() {
        if (!enabled()) {
            return;
        }
        lastActivityNanos = System.nanoTime();
        schedule(lastActivityNanos + shortestTimeout);
    }

    private void schedule(long deadline) {
        if (timer != null && timerDeadline <= deadline) {
            return; // fires earlier anyway, and will look again then
        }
        if (timer != null) {
            timer.cancel(false);
        }
        timerDeadline = deadline;
        timer = loop.schedule(this::check, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void check() {
        timer = null;
        timerDeadline = Long.MAX_VALUE;
        long now = System.nanoTime();
        long next = Long.MAX_VALUE;
        long busySince = client.busySinceNanos();
        if (queryTimeout > 0 && busySince != 0) {
            if (now - busySince >= queryTimeout) {
                if (cancelledRequest != busySince) {
                    cancelledRequest = busySince;
                    client.cancelRunningQuery(); // PostgreSQL answers the client with 57014
                }
            } else {
                next = Math.min(next, busySince + queryTimeout);
            }
        }
        long idleSince = client.idleInTransactionSinceNanos();
        if (idleSince != 0) {
            // a server waiting on a client that keeps sending (COPY data) is not idle
            idleSince = Math.max(idleSince, lastActivityNanos);
        }
        if (idleTransactionTimeout > 0 && idleSince != 0) {
            if (now - idleSince >= idleTransactionTimeout) {
                client.terminate(IDLE_IN_TRANSACTION_TIMEOUT, "terminating connection due to idle-in-transaction timeout"
                        + " (idle_transaction_timeout " + TimeUnit.NANOSECONDS.toMillis(idleTransactionTimeout) + " ms)");
                return;
            }
            next = Math.min(next, idleSince + idleTransactionTimeout);
        }
        long pinnedIdleSince = client.pinnedIdleSinceNanos();
        if (pinnedIdleTimeout > 0 && pinnedIdleSince != 0) {
            // a pinned client idle outside a transaction holds a server that nobody else can use
            pinnedIdleSince = Math.max(pinnedIdleSince, lastActivityNanos);
            if (now - pinnedIdleSince >= pinnedIdleTimeout) {
                client.terminate(IDLE_SESSION_TIMEOUT, "terminating connection due to idle-session timeout of a pinned client"
                        + " (pinned_idle_timeout " + TimeUnit.NANOSECONDS.toMillis(pinnedIdleTimeout) + " ms)");
                return;
            }
            next = Math.min(next, pinnedIdleSince + pinnedIdleTimeout);
        }
        if (clientIdleTimeout > 0 && client.betweenTransactions()) {
            if (now - lastActivityNanos >= clientIdleTimeout) {
                client.terminate(IDLE_SESSION_TIMEOUT, "terminating connection due to idle-session timeout"
                        + " (client_idle_timeout " + TimeUnit.NANOSECONDS.toMillis(clientIdleTimeout) + " ms)");
                return;
            }
            next = Math.min(next, lastActivityNanos + clientIdleTimeout);
        }
        if (next == Long.MAX_VALUE) {
            // nothing running now: look again when the shortest timeout could next expire
            next = now + Math.max(TimeUnit.MILLISECONDS.toNanos(50), shortestTimeout);
        }
        schedule(next);
    }

    void stop() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
