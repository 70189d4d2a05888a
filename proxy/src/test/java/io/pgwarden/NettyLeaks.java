package io.pgwarden;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Turns Netty's leak reports into test failures. Netty reports a leaked buffer only in its log
 * ("LEAK: ..."), and only once the buffer was garbage-collected and another buffer was allocated
 * after that: {@link #assertNoneAfterGc()} makes both happen, and knows they happened because a
 * buffer it leaks on purpose (the canary) is reported first.
 */
public final class NettyLeaks implements AutoCloseable {

    private static final String DETECTOR_LOGGER = ResourceLeakDetector.class.getName();
    private static final String CANARY = "pgwarden leak canary ";

    private final List<String> reports = new CopyOnWriteArrayList<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(DETECTOR_LOGGER);
    private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            if (event.getFormattedMessage().contains("LEAK:")) {
                reports.add(event.getFormattedMessage());
            }
        }
    };

    private NettyLeaks() {
    }

    /** Starts listening to Netty's leak detector, which must be at level PARANOID (as the build sets it for tests). */
    public static NettyLeaks watch() {
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
            throw new IllegalStateException("Netty's leak detection is " + ResourceLeakDetector.getLevel()
                    + ", not PARANOID: run with -Dio.netty.leakDetection.level=paranoid, as failsafe does");
        }
        NettyLeaks leaks = new NettyLeaks();
        leaks.appender.setContext(leaks.logger.getLoggerContext());
        leaks.appender.start();
        leaks.logger.addAppender(leaks.appender);
        // the canaries would read as real leaks in the console; a real one is in the failure instead
        leaks.logger.setAdditive(false);
        return leaks;
    }

    /** Leaks reported so far, the canaries left out. */
    public List<String> reported() {
        return reports.stream().filter(report -> !report.contains(CANARY)).toList();
    }

    /** Fails with Netty's report if any buffer leaked so far; cheap, but sees only leaks Netty already reported. */
    public void assertNoneReported() {
        List<String> leaks = reported();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty buffer leak(s); the first:\n" + leaks.get(0));
        }
    }

    /** Collects garbage until Netty has reported a canary leaked just now, then fails if it reported anything else. */
    public void assertNoneAfterGc() throws Exception {
        String canary = CANARY + UUID.randomUUID();
        leakOneBuffer(canary);
        Eventually.await("Netty to report the canary buffer leaked on purpose", () -> {
            System.gc();
            // the detector looks for collected buffers when the next one is tracked
            ByteBufAllocator.DEFAULT.directBuffer(1).release();
            return reports.stream().anyMatch(report -> report.contains(canary));
        });
        assertNoneReported();
    }

    private static void leakOneBuffer(String hint) {
        ByteBuf buffer = ByteBufAllocator.DEFAULT.directBuffer(1);
        buffer.touch(hint);
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setAdditive(true);
        appender.stop();
    }
}
