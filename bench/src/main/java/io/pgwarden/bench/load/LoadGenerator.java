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
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Runs several client groups at once, e.g. three databases with ten clients each, or a noisy
 * database with 300 clients next to two calm ones with ten. Nothing is recorded during the
 * warm-up; then each group's transactions, errors and latencies are counted for the duration.
 * A client whose transaction fails counts an error, waits a millisecond and goes on. Clients run
 * back to back or paced (see {@link ClientGroup}).
 */
public final class LoadGenerator {

    /** Latencies above this (in µs) are clamped: one minute. */
    private static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(1);
    private static final int KEPT_ERROR_MESSAGES = 3;

    private final Duration warmup;
    private final Duration duration;
    private final boolean connectFirst;

    public LoadGenerator(Duration warmup, Duration duration) {
        this(warmup, duration, false);
    }

    /**
     * With {@code connectFirst}, every client opens its connection (or fails to) before any client
     * starts its transactions, and the warm-up begins only then: hundreds of logins at once (each
     * a SCRAM key derivation in this JVM) are not part of the workload measured.
     */
    public LoadGenerator(Duration warmup, Duration duration, boolean connectFirst) {
        this.warmup = warmup;
        this.duration = duration;
        this.connectFirst = connectFirst;
    }

    public List<GroupResult> run(List<ClientGroup> groups) throws InterruptedException {
        List<GroupRun> runs = new ArrayList<>();
        int threads = groups.stream().mapToInt(ClientGroup::clients).sum();
        CountDownLatch connected = new CountDownLatch(connectFirst ? threads : 0);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(threads);
        long[] window = new long[3]; // start, measure from, measure until: written before go opens
        List<Thread> started = new ArrayList<>();
        for (ClientGroup group : groups) {
            GroupRun run = new GroupRun(group, (int) (warmup.toSeconds() + duration.toSeconds()) + 31);
            runs.add(run);
            for (int i = 0; i < group.clients(); i++) {
                Thread thread = new Thread(() -> {
                    try {
                        if (connectFirst) {
                            run.connect();
                            connected.countDown();
                        }
                        go.await();
                        run.client(window[0], window[1], window[2]);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        done.countDown();
                    }
                }, "client-" + group.name() + "-" + i);
                thread.setDaemon(true);
                started.add(thread);
                thread.start();
            }
        }
        if (!connected.await(2, TimeUnit.MINUTES)) {
            System.err.println("load: " + connected.getCount() + " clients still connecting after 2 minutes; starting anyway");
        }
        window[0] = System.nanoTime();
        window[1] = window[0] + warmup.toNanos();
        window[2] = window[1] + duration.toNanos();
        go.countDown();
        long waitNanos = window[2] - System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
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
        private volatile long start;
        /** Per second since the start (warm-up included): transactions that ended in it, and the slowest. */
        private final AtomicLongArray endedPerSecond;
        private final AtomicLongArray worstMicrosPerSecond;

        GroupRun(ClientGroup group, int seconds) {
            this.group = group;
            this.endedPerSecond = new AtomicLongArray(seconds);
            this.worstMicrosPerSecond = new AtomicLongArray(seconds);
        }

        private void perSecond(long end, long micros) {
            int second = (int) ((end - start) / 1_000_000_000L);
            if (second < endedPerSecond.length()) {
                endedPerSecond.incrementAndGet(second);
                worstMicrosPerSecond.accumulateAndGet(second, micros, Math::max);
            }
        }

        /** Opens this client's connection; a failure is left for the first transaction to meet again. */
        void connect() {
            try {
                group.source().release(group.source().acquire());
            } catch (SQLException | RuntimeException e) {
                // counted when a transaction meets it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void client(long start, long measureFrom, long measureUntil) {
            this.start = start;
            Histogram histogram = new Histogram(MAX_LATENCY_MICROS, 3);
            histograms.add(histogram);
            ThreadLocalRandom random = ThreadLocalRandom.current();
            long interval = group.paced() ? (long) (1e9 / group.ratePerClient()) : 0;
            // a paced client's schedule starts once it has a connection (logging in is not a due
            // transaction), at a random phase so that the clients do not all fire at the same instant
            boolean scheduled = false;
            long due = 0;
            long committed = 0;
            long failed = 0;
            while (true) {
                if (scheduled) {
                    waitUntil(due);
                }
                long begin = scheduled ? due : System.nanoTime();
                if (begin >= measureUntil || Thread.currentThread().isInterrupted()) {
                    break;
                }
                boolean ok = once(random);
                long end = System.nanoTime();
                if (ok) {
                    perSecond(end, (end - begin) / 1000);
                }
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
                if (scheduled) {
                    due += interval; // behind schedule, the next one is due at once (nothing is skipped)
                } else if (ok && interval > 0) {
                    scheduled = true;
                    due = System.nanoTime() + random.nextLong(interval);
                }
            }
            transactions.addAndGet(committed);
            errors.addAndGet(failed);
        }

        private static void waitUntil(long due) {
            long left;
            while ((left = due - System.nanoTime()) > 0 && !Thread.currentThread().isInterrupted()) {
                LockSupport.parkNanos(left);
            }
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
            long[] ended = new long[endedPerSecond.length()];
            long[] worst = new long[ended.length];
            for (int i = 0; i < ended.length; i++) {
                ended[i] = endedPerSecond.get(i);
                worst[i] = worstMicrosPerSecond.get(i);
            }
            return new GroupResult(group.name(), transactions.get(), errors.get(), merged, seconds, errorsSeen, ended, worst);
        }
    }
}
