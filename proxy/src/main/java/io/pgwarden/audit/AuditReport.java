package io.pgwarden.audit;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one audit found over the backends it looked at.
 *
 * @param backends the backends audited, in config order (those without databases are skipped)
 * @param findings in {@link Findings#ORDER}
 */
public record AuditReport(List<String> backends, List<Finding> findings) {

    public AuditReport {
        backends = List.copyOf(backends);
        findings = findings.stream().sorted(Findings.ORDER).toList();
    }

    /** What CI and cron gate on: {@code pgwarden audit} exits 1 when this is true. */
    public boolean hasHigh() {
        return findings.stream().anyMatch(finding -> finding.severity() == Severity.HIGH);
    }

    /** Findings per severity, worst first; severities without findings are left out. */
    public Map<Severity, Long> countBySeverity() {
        Map<Severity, Long> counts = new TreeMap<>();
        findings.forEach(finding -> counts.merge(finding.severity(), 1L, Long::sum));
        return counts;
    }
}
