package io.pgwarden.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSIX signals pgwarden answers besides the JVM's own: SIGHUP reloads the config, as it does in
 * PgBouncer. Where the JVM does not support a signal (Windows has no SIGHUP), it is left alone.
 */
final class Signals {

    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private Signals() {
    }

    /** Runs {@code action} on a thread of its own at every {@code name} (e.g. "HUP"). */
    @SuppressWarnings("removal")
    static void on(String name, Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.run());
        } catch (IllegalArgumentException e) {
            log.debug("SIG{} cannot be handled here: {}", name, e.getMessage());
        }
    }
}
