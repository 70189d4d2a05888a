package io.pgwarden.bench.load;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Runs several client groups at once, e.g. three databases with ten clients each, or a noisy
 * database with 300 clients next to two calm ones with ten. Nothing is recorded during the
 * warm-up; then each group's transactions, errors and latencies are counted for the duration.
 * A client whose transaction fails counts an error, waits a millisecond and goes on.
 */
public final class LoadGenerator {

    /** Latencies above this (in µs) are clamped: one minute. */
    private static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(1);
    private static final int KEPT_ERROR_MESSAGES = 3;

    private final Duration warmup;
    private final Duration duration;

    public LoadGenerator(Duration warmup, Duration duration) {
        this.warmup = warmup;
        this.duration = duration;
    }

    public List<GroupResult> run(List<ClientGroup> groups) throws InterruptedException {
        List<GroupRun> runs = new ArrayList<>();
        int threads = groups.stream().mapToInt(ClientGroup::clients).sum();
        CountDownLatch done = new CountDownLatch(threads);
        long start = System.nanoTime();
        long measureFrom = start + warmup.toNanos();
        long measureUntil = measureFrom + duration.toNanos();
        List<Thread> started = new ArrayList<>();
        for (ClientGroup group : groups) {
            GroupRun run = new GroupRun(group);
            runs.add(run);
            for (int i = 0; i < group.clients(); i++) {
                Thread thread = new Thread(() -> {
                    try {
                        run.client(measureFrom, measureUntil);
                    } finally {
                        done.countDown();
                    }
                }, "client-" + group.name() + "-" + i);
                thread.setDaemon(true);
                started.add(thread);
                thread.start();
            }
        }
        long waitNanos = measureUntil - System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        if (!done.await(waitNanos, TimeUnit.NANOSECONDS)) {
            started.forEach(Thread::interrupt);
        }
        double seconds = duration.toNanos() / 1e9;
        List<GroupResult> results = new ArrayList<>();
        for (GroupRun run : runs) {
            results.add(run.result(seconds));
        }
        return results;
    }

    private static final class GroupRun {
        private final ClientGroup group;
        private final List<Histogram> histograms = Collections.synchronizedList(new ArrayList<>());
        private final AtomicLong transactions = new AtomicLong();
        private final AtomicLong errors = new AtomicLong();
        private final List<String> firstErrors = Collections.synchronizedList(new ArrayList<>());

        GroupRun(ClientGroup group) {
            this.group = group;
        }

        void client(long measureFrom, long measureUntil) {
            Histogram histogram = new Histogram(MAX_LATENCY_MICROS, 3);
            histograms.add(histogram);
            ThreadLocalRandom random = ThreadLocalRandom.current();
            long committed = 0;
            long failed = 0;
            while (true) {
                long begin = System.nanoTime();
                if (begin >= measureUntil || Thread.currentThread().isInterrupted()) {
                    break;
                }
                boolean ok = once(random);
                long end = System.nanoTime();
                if (begin >= measureFrom && end <= measureUntil) {
                    if (ok) {
                        committed++;
                        histogram.recordValue(Math.min(MAX_LATENCY_MICROS, (end - begin) / 1000));
                    } else {
                        failed++;
                    }
                }
                if (!ok) {
                    pause();
                }
            }
            transactions.addAndGet(committed);
            errors.addAndGet(failed);
        }

        private boolean once(ThreadLocalRandom random) {
            Connection connection = null;
            try {
                connection = group.source().acquire();
                group.template().execute(connection, random);
                return true;
            } catch (SQLException | RuntimeException e) {
                if (firstErrors.size() < KEPT_ERROR_MESSAGES) {
                    firstErrors.add(describe(e));
                }
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } finally {
                if (connection != null) {
                    try {
                        group.source().release(connection);
                    } catch (SQLException ignored) {
                        // a broken connection: the source replaces it
                    }
                }
            }
        }

        private static String describe(Exception e) {
            String state = e instanceof SQLException sql && sql.getSQLState() != null ? sql.getSQLState() + " " : "";
            String message = String.valueOf(e.getMessage()).replaceAll("\\s+", " ");
            return state + message;
        }

        private static void pause() {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        GroupResult result(double seconds) {
            Histogram merged = new Histogram(MAX_LATENCY_MICROS, 3);
            synchronized (histograms) {
                histograms.forEach(merged::add);
            }
            List<String> errorsSeen;
            synchronized (firstErrors) {
                errorsSeen = List.copyOf(firstErrors);
            }
            return new GroupResult(group.name(), transactions.get(), errors.get(), merged, seconds, errorsSeen);
        }
    }
}
