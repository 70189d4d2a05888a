package io.pgwarden.cli;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped logging configuration (logback.xml; tests themselves log through logback-test.xml):
 * asynchronous, never blocking, dropping INFO and below before WARN and ERROR, and complete once
 * stopped.
 */
class LogsTest {

    private static LoggerContext shippedConfiguration() throws Exception {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter()); // as SLF4J's provider sets it on the real one
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(Objects.requireNonNull(LogsTest.class.getResource("/logback.xml")));
        return context;
    }

    @Test
    void everyEventGoesThroughAQueueThatNeverBlocksAndKeepsWarningsLongest() throws Exception {
        LoggerContext context = shippedConfiguration();
        try {
            AsyncAppender async = (AsyncAppender) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("ASYNC");
            assertNotNull(async, "the root logger writes through ASYNC");
            assertTrue(async.isStarted());
            assertTrue(async.isNeverBlock(), "a full queue drops rather than blocks an event loop");
            assertEquals(8192, async.getQueueSize());
            assertEquals(2048, async.getDiscardingThreshold(), "INFO and below go once less than a quarter is free");
            assertNotNull(async.getAppender("STDERR"));
        } finally {
            context.stop();
        }
    }

    @Test
    void stoppingTheContextWritesEveryQueuedEvent() throws Exception {
        PrintStream stderr = System.err;
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        System.setErr(new PrintStream(written, true, StandardCharsets.UTF_8));
        try {
            LoggerContext context = shippedConfiguration();
            Logger log = context.getLogger("io.pgwarden.test");
            for (int i = 0; i < 2000; i++) {
                log.info("line {}", i);
            }
            context.stop();
        } finally {
            System.setErr(stderr);
        }
        String text = written.toString(StandardCharsets.UTF_8);
        assertEquals(2000, text.lines().filter(line -> line.contains(" - line ")).count());
        assertTrue(text.contains(" - line 1999"), "the last event too");
    }
}
