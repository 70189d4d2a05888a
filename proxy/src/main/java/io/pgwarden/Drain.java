package io.pgwarden;

import io.pgwarden.config.LifecycleConfig;
import io.pgwarden.metrics.PgwardenMetrics;
import io.pgwarden.pool.DatabasePool;
import io.pgwarden.pool.PoolClient;
import io.pgwarden.pool.Pools;
import io.pgwarden.protocol.SqlState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * How pgwarden stops without failing a transaction: what rolling deploys need.
 *
 * <ul>
 *   <li>SIGTERM ({@link #terminate}): {@code /health/ready} answers 503 at once; new connections
 *       are still accepted for {@code shutdown_delay} (the load balancer notices meanwhile); then the
 *       listener closes, every client is ended at its next transaction boundary with
 *       {@code FATAL 57P01 terminating connection due to administrator command}, and pgwarden exits
 *       when the last is gone, or at {@code shutdown_timeout} after the signal. A second SIGTERM
 *       exits at once.</li>
 *   <li>{@code SHUTDOWN WAIT_FOR_CLIENTS} ({@link #waitForClients}): as PgBouncer 1.23, no new
 *       connections; exits once every client has left by itself.</li>
 *   <li>{@code SHUTDOWN WAIT_FOR_SERVERS} ({@link #waitForServers}): no new connections, every
 *       database paused; exits once every server connection is back from its client.</li>
 * </ul>
 * The phases only move forward; one thread (the timer's) drives them, the signal only starts them.
 */
final class Drain {

    private static final Logger log = LoggerFactory.getLogger(Drain.class);
    static final String MESSAGE = "terminating connection due to administrator command";
    private static final long POLL_MILLIS = 100;

    enum Phase {
        /** Serving as usual. */
        SERVING,
        /** SIGTERM came: not ready any more, still accepting until shutdown_delay has passed. */
        ANNOUNCED,
        /** The listener is closed; waiting for clients (or servers) to be done. */
        DRAINING,
        /** Closing or closed. */
        STOPPED
    }

    private final Pools pools;
    private final PgwardenMetrics metrics;
    /** Closes the client listener: no new connections from then on. */
    private final Runnable stopAccepting;
    /** Closes everything and lets the process exit. */
    private final Runnable close;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "pgwarden-drain");
        thread.setDaemon(true);
        return thread;
    });
    private volatile Phase phase = Phase.SERVING;

    Drain(Pools pools, PgwardenMetrics metrics, Runnable stopAccepting, Runnable close) {
        this.pools = pools;
        this.metrics = metrics;
        this.stopAccepting = stopAccepting;
        this.close = close;
    }

    Phase phase() {
        return phase;
    }

    /** /health/ready answers 503 from the first signal on. */
    boolean shuttingDown() {
        return phase != Phase.SERVING;
    }

    /** SIGTERM: the drain above, or, when one is under way already, the end at once. */
    synchronized void terminate(LifecycleConfig lifecycle) {
        if (phase != Phase.SERVING) {
            log.info("second stop signal during the shutdown: closing every connection now");
            stopNow();
            return;
        }
        phase = Phase.ANNOUNCED;
        Duration delay = lifecycle.shutdownDelay();
        Duration timeout = lifecycle.shutdownTimeout();
        log.info("SIGTERM: /health/ready answers 503; new connections accepted for {} ms more (shutdown_delay), then clients "
                + "are ended at their next transaction boundary; exit at the latest {} ms from now (shutdown_timeout)",
                delay.toMillis(), timeout.toMillis());
        long deadline = System.nanoTime() + timeout.toNanos();
        timer.schedule(() -> startDraining(deadline), delay.toMillis(), TimeUnit.MILLISECONDS);
        timer.schedule(() -> {
            if (phase != Phase.STOPPED) {
                log.warn("shutdown_timeout ({} ms) reached with {} clients left: closing them", timeout.toMillis(), clients());
                stopNow();
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void startDraining(long deadline) {
        if (phase != Phase.ANNOUNCED) {
            return;
        }
        phase = Phase.DRAINING;
        stopAccepting.run();
        pools.endNewClients(SqlState.ADMIN_SHUTDOWN, MESSAGE);
        int asked = 0;
        for (DatabasePool pool : pools.all()) {
            for (PoolClient client : pool.clients()) {
                client.endAtBoundary(SqlState.ADMIN_SHUTDOWN, MESSAGE);
                metrics.clientEnded(pool.database(), "shutdown");
                asked++;
            }
        }
        log.info("no longer accepting connections; {} clients asked to leave at the end of their transaction", asked);
        exitWhen(() -> clients() == 0, "every client is gone");
    }

    /** SHUTDOWN WAIT_FOR_CLIENTS: no new connections; exit once every client has left by itself. */
    synchronized void waitForClients() {
        if (!beginWaiting("WAIT_FOR_CLIENTS")) {
            return;
        }
        exitWhen(() -> clients() == 0, "every client has disconnected");
    }

    /** SHUTDOWN WAIT_FOR_SERVERS: no new connections, every database paused; exit once every server is back. */
    synchronized void waitForServers() {
        if (!beginWaiting("WAIT_FOR_SERVERS")) {
            return;
        }
        List<CompletableFuture<Void>> paused = new ArrayList<>();
        pools.all().forEach(pool -> paused.add(pool.pause()));
        CompletableFuture.allOf(paused.toArray(CompletableFuture[]::new)).thenRun(() -> {
            log.info("shutdown: every server connection is back");
            timer.execute(this::stopNow);
        });
    }

    private boolean beginWaiting(String mode) {
        if (phase == Phase.STOPPED || phase == Phase.DRAINING) {
            return false; // already on its way out
        }
        phase = Phase.DRAINING;
        log.info("SHUTDOWN {}: no longer accepting connections; {} clients connected", mode, clients());
        stopAccepting.run();
        return true;
    }

    private void exitWhen(java.util.function.BooleanSupplier done, String why) {
        timer.scheduleWithFixedDelay(() -> {
            if (phase == Phase.DRAINING && done.getAsBoolean()) {
                log.info("shutdown: {}", why);
                stopNow();
            }
        }, 0, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    private synchronized void stopNow() {
        if (phase == Phase.STOPPED) {
            return;
        }
        phase = Phase.STOPPED;
        timer.execute(() -> {
            close.run();
            timer.shutdownNow();
        });
    }

    private int clients() {
        int count = 0;
        for (DatabasePool pool : pools.all()) {
            count += pool.clients().size();
        }
        return count;
    }

    /** Pgwarden closed some other way (SHUTDOWN, the JVM's own hook): the timer goes with it. */
    void closed() {
        phase = Phase.STOPPED;
        timer.shutdownNow();
    }
}
