package io.pgwarden.metrics;

import io.pgwarden.backend.AdminConnector;

import io.micrometer.core.instrument.MeterRegistry;
import io.pgwarden.config.BackendConfig;
import io.pgwarden.config.PgwardenConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every {@code sample_interval}, reads each backend's real load with its admin credentials:
 * pg_stat_activity by database and state, the connection limit, and pg_stat_database. It sees
 * clients that bypass pgwarden too. All backends share one daemon thread, never a Netty event
 * loop: a sample blocks on JDBC.
 */
public final class InstanceSampler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InstanceSampler.class);
    /** Connect, login and each query must finish within this (or the interval, if shorter). */
    private static final Duration MAX_SAMPLE_TIME = Duration.ofSeconds(5);

    private final Map<String, BackendSampler> samplers = new LinkedHashMap<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread sampler = new Thread(runnable, "pgwarden-sampler");
        sampler.setDaemon(true);
        return sampler;
    });

    /** Samples with pgjdbc; backends with {@code sample_interval: 0} are left out. */
    public InstanceSampler(PgwardenConfig config, MeterRegistry registry) {
        this(config, registry, null, System::nanoTime);
    }

    /** @param connector null for pgjdbc with timeouts of min(interval, 5 s) */
    public InstanceSampler(PgwardenConfig config, MeterRegistry registry, AdminConnector connector,
                           LongSupplier nanoClock) {
        for (BackendConfig backend : config.backends().values()) {
            if (backend.sampleInterval().isZero()) {
                continue;
            }
            AdminConnector use = connector != null ? connector : AdminConnector.pgjdbc("pgwarden sampler", 
                    backend.sampleInterval().compareTo(MAX_SAMPLE_TIME) < 0 ? backend.sampleInterval() : MAX_SAMPLE_TIME);
            samplers.put(backend.name(), new BackendSampler(backend, config.databasesOn(backend.name()), use,
                    registry, nanoClock));
        }
    }

    /** Samples every backend now, then every its interval. */
    public InstanceSampler start() {
        for (BackendSampler sampler : samplers.values()) {
            thread.scheduleWithFixedDelay(() -> sampleSafely(sampler), 0, sampler.intervalNanos(), TimeUnit.NANOSECONDS);
        }
        return this;
    }

    /** An exception escaping a scheduled task would cancel every later run. */
    private static void sampleSafely(BackendSampler sampler) {
        try {
            sampler.sampleOnce();
        } catch (RuntimeException | Error e) {
            log.error("instance sampler of backend \"{}\" failed", sampler.name(), e);
        }
    }

    /** Samples every backend once on the sampler thread and returns when done (tests, and a fresh view on demand). */
    public void sampleNow() throws InterruptedException {
        try {
            thread.submit(() -> samplers.values().forEach(InstanceSampler::sampleSafely)).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Whether the last sample of {@code backend} succeeded; true for a backend that is not sampled. */
    public boolean isUp(String backend) {
        BackendSampler sampler = samplers.get(backend);
        return sampler == null || sampler.isUp();
    }

    /**
     * Backends neither up nor within their retry window (down, or never sampled, for less than
     * {@value BackendSampler#RETRY_WINDOW_SAMPLES} sample intervals). A backend that is not
     * sampled is never listed: nothing is known about it.
     */
    public List<String> unreadyBackends() {
        List<String> unready = new ArrayList<>();
        samplers.values().forEach(sampler -> {
            if (!sampler.isReady()) {
                unready.add(sampler.name());
            }
        });
        return unready;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            if (!thread.awaitTermination(MAX_SAMPLE_TIME.toSeconds() + 1, TimeUnit.SECONDS)) {
                log.warn("instance sampler did not stop in time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        samplers.values().forEach(BackendSampler::close);
    }
}
