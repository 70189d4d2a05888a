package io.pgwarden.config;

import java.time.Duration;

/**
 * How the running process follows its file and ends: the top-level keys {@code watch_config},
 * {@code shutdown_delay} and {@code shutdown_timeout}.
 *
 * @param watchConfig     reload when the file changes (as SIGHUP would)
 * @param shutdownDelay   after SIGTERM, how long new connections are still accepted (with /health/ready at 503),
 *                        so that a load balancer notices before the listener closes
 * @param shutdownTimeout after SIGTERM, the longest pgwarden waits for its clients to finish before it exits
 */
public record LifecycleConfig(boolean watchConfig, Duration shutdownDelay, Duration shutdownTimeout) {

    public static final LifecycleConfig DEFAULT = new LifecycleConfig(false, Duration.ofSeconds(5), Duration.ofSeconds(25));
}
