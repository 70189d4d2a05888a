package io.pgwarden.audit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** From what the queries read to what the audit reports: pure, so every rule is tested without a server. */
public final class Findings {

    /** Backend, then the worst first, then kind, database (instance-wide first) and text. */
    static final Comparator<Finding> ORDER = Comparator.comparing(Finding::backend)
            .thenComparing(Finding::severity)
            .thenComparing(Finding::kind)
            .thenComparing(Finding::database, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(Finding::what);

    private Findings() {
    }

    public static List<Finding> of(AuditTarget target, AuditSnapshot snapshot) {
        List<Finding> findings = new ArrayList<>();
        findings.addAll(AccessFindings.of(target, snapshot));
        findings.addAll(SessionFindings.of(target, snapshot.sessions()));
        findings.addAll(SharedObjectFindings.of(target, snapshot));
        findings.addAll(SchemaFindings.of(target, snapshot.objects()));
        findings.addAll(DriftFindings.of(target, snapshot));
        findings.sort(ORDER);
        return List.copyOf(findings);
    }
}
