package io.pgwarden.cli;

import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The end of logging. logback.xml logs through an asynchronous appender whose writer thread is a
 * daemon: what is still queued when the JVM exits is lost unless the logging context is stopped,
 * which writes it out (for at most the appender's maxFlushTime). It must stop last: after a
 * command's shutdown hook has closed everything (JVM shutdown hooks run in no order), else once
 * the command has returned.
 */
final class Logs {

    /** Whether a command's shutdown hook stops logging: then {@link #flushAtExit()} leaves it to the hook. */
    private static final AtomicBoolean HOOKED = new AtomicBoolean();

    private Logs() {
    }

    /** On exit (System.exit, Ctrl-C, SIGTERM): {@code close}, then stop logging. */
    static void closeOnExit(String name, Runnable close) {
        HOOKED.set(true);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                close.run();
            } finally {
                flush();
            }
        }, name));
    }

    /** At the end of main, before System.exit: stops logging unless a shutdown hook will, after its close. */
    static void flushAtExit() {
        if (!HOOKED.get()) {
            flush();
        }
    }

    /** Writes every queued event and stops logging. */
    static void flush() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.stop();
        }
    }
}
