package io.pgwarden.audit;

import io.micrometer.core.instrument.MeterRegistry;
import io.pgwarden.config.BackendConfig;
import io.pgwarden.config.PgwardenConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code run}'s isolation audit: every {@code audit.interval}, audits each backend on a daemon
 * thread of its own ({@code pgwarden-audit}; JDBC blocks, so never a Netty event loop) and
 * publishes the findings as metrics. Each finding is logged once when it appears (WARN) and once
 * when it is gone (INFO), not at every audit.
 */
public final class PeriodicAudit implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PeriodicAudit.class);
    /** Connect, login and each query must finish within this. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final PgwardenConfig config;
    private final IsolationAudit audit;
    private final AuditMeters meters;
    private final LongSupplier epochSeconds;
    /** Touched only on the audit thread. */
    private final Map<String, Set<Finding>> lastFound = new HashMap<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread auditor = new Thread(runnable, "pgwarden-audit");
        auditor.setDaemon(true);
        return auditor;
    });

    public PeriodicAudit(PgwardenConfig config, MeterRegistry registry) {
        this(config, registry, DatabaseConnector.pgjdbc(TIMEOUT), () -> System.currentTimeMillis() / 1000);
    }

    public PeriodicAudit(PgwardenConfig config, MeterRegistry registry, DatabaseConnector connector, LongSupplier epochSeconds) {
        this.config = config;
        this.audit = new IsolationAudit(connector);
        this.epochSeconds = epochSeconds;
        this.meters = new AuditMeters(registry, audited(config));
    }

    private static List<String> audited(PgwardenConfig config) {
        return config.backends().keySet().stream().filter(name -> !config.databasesOn(name).isEmpty()).toList();
    }

    /** Audits now, then every {@code audit.interval}. */
    public PeriodicAudit start() {
        long interval = config.audit().interval().toNanos();
        thread.scheduleWithFixedDelay(this::auditSafely, 0, interval, TimeUnit.NANOSECONDS);
        return this;
    }

    /** One audit of every backend on the audit thread; returns when it is done (tests, and a fresh look on demand). */
    public void auditNow() throws InterruptedException {
        try {
            thread.submit(this::auditSafely).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** An exception escaping a scheduled task would cancel every later run. */
    private void auditSafely() {
        for (String name : audited(config)) {
            try {
                BackendConfig backend = config.backends().get(name);
                List<Finding> found = audit.audit(backend, AuditTarget.of(config, name));
                meters.publish(name, found, epochSeconds.getAsLong());
                logChanges(name, found);
            } catch (RuntimeException | Error e) {
                log.error("isolation audit of backend \"{}\" failed", name, e);
            }
        }
    }

    private void logChanges(String backend, List<Finding> found) {
        Set<Finding> now = new HashSet<>(found);
        Set<Finding> before = lastFound.getOrDefault(backend, Set.of());
        for (Finding finding : found) {
            if (!before.contains(finding)) {
                log.warn("isolation audit of backend \"{}\": {} {}: {}; fix: {}", backend, finding.severity().label(),
                        finding.kind().label(), finding.what(), AuditOutput.fixText(finding));
            }
        }
        for (Finding finding : before) {
            if (!now.contains(finding)) {
                log.info("isolation audit of backend \"{}\": gone: {}", backend, finding.what());
            }
        }
        lastFound.put(backend, now);
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            if (!thread.awaitTermination(TIMEOUT.toSeconds() + 1, TimeUnit.SECONDS)) {
                log.warn("isolation audit did not stop in time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
