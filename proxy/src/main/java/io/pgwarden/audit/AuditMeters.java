package io.pgwarden.audit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.pgwarden.metrics.Labels;
import io.pgwarden.metrics.PgwardenMeter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code pgwarden_isolation_findings{backend,severity,kind}} and the time of the last audit, per
 * backend. Written by the audit thread, read by scrapes.
 */
final class AuditMeters {

    private final Map<String, MultiGauge> findings = new TreeMap<>();
    /** Held here: a gauge keeps its state object weakly. */
    private final Map<String, AtomicLong> completedAt = new TreeMap<>();

    AuditMeters(MeterRegistry registry, List<String> backends) {
        for (String backend : backends) {
            Tags tags = Tags.of(Labels.BACKEND, backend);
            findings.put(backend, MultiGauge.builder(PgwardenMeter.ISOLATION_FINDINGS.meterName())
                    .description(PgwardenMeter.ISOLATION_FINDINGS.description()).tags(tags).register(registry));
            AtomicLong time = new AtomicLong();
            completedAt.put(backend, time);
            Gauge.builder(PgwardenMeter.ISOLATION_AUDIT_TIMESTAMP.meterName(), time, AtomicLong::get)
                    .description(PgwardenMeter.ISOLATION_AUDIT_TIMESTAMP.description()).tags(tags).register(registry);
        }
    }

    /** Replaces the backend's series with counts of {@code found}; pairs no longer found disappear. */
    void publish(String backend, List<Finding> found, long epochSeconds) {
        Map<List<String>, Integer> counts = new LinkedHashMap<>(); // severity and kind labels -> findings
        found.forEach(finding -> counts.merge(List.of(finding.severity().label(), finding.kind().label()), 1, Integer::sum));
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        counts.forEach((key, count) -> rows.add(MultiGauge.Row.of(Tags.of(Labels.SEVERITY, key.get(0), Labels.KIND, key.get(1)), count)));
        findings.get(backend).register(rows, true);
        completedAt.get(backend).set(epochSeconds);
    }
}
