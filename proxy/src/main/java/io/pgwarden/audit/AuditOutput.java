package io.pgwarden.audit;

import io.pgwarden.admin.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** A report as people read it (a table, one finding a line) and as pipelines read it (JSON). */
public final class AuditOutput {

    private static final List<String> HEADER = List.of("SEVERITY", "BACKEND", "KIND", "WHAT", "WHY", "FIX");

    private AuditOutput() {
    }

    /** Aligned columns, the fix last (it may be long), then a summary line. */
    public static String table(AuditReport report) {
        StringBuilder text = new StringBuilder();
        if (!report.findings().isEmpty()) {
            List<List<String>> rows = new ArrayList<>();
            rows.add(HEADER);
            for (Finding finding : report.findings()) {
                rows.add(List.of(finding.severity().label(), finding.backend(), finding.kind().label(), finding.what(),
                        finding.why(), fixText(finding)));
            }
            int[] widths = new int[HEADER.size()];
            rows.forEach(row -> {
                for (int c = 0; c < row.size(); c++) {
                    widths[c] = Math.max(widths[c], row.get(c).length());
                }
            });
            for (List<String> row : rows) {
                for (int c = 0; c < row.size() - 1; c++) {
                    text.append(row.get(c)).append(" ".repeat(widths[c] - row.get(c).length() + 2));
                }
                text.append(row.get(row.size() - 1)).append('\n');
            }
        }
        return text.append(summary(report)).append('\n').toString();
    }

    /** {@code in orders_db: DROP PUBLICATION "p";}: statements end with their semicolon, comments do not. */
    static String fixText(Finding finding) {
        String statements = finding.fix().stream().map(s -> s.startsWith("--") ? s : s + ";")
                .collect(Collectors.joining(" "));
        return finding.fixIn() == null ? statements : "in " + finding.fixIn() + ": " + statements;
    }

    static String summary(AuditReport report) {
        String backends = report.backends().size() == 1 ? "1 backend" : report.backends().size() + " backends";
        if (report.findings().isEmpty()) {
            return "no findings on " + backends;
        }
        String counts = report.countBySeverity().entrySet().stream()
                .map(e -> e.getValue() + " " + e.getKey().label()).collect(Collectors.joining(", "));
        int total = report.findings().size();
        return (total == 1 ? "1 finding" : total + " findings") + " on " + backends + ": " + counts;
    }

    /**
     * {@code {"backends": [...], "findings": [{"severity", "backend", "kind", "database", "what", "why",
     * "fix": [...], "fix_in"}], "counts": {"high": n, ...}}}; absent values are null, every count is there.
     */
    public static String json(AuditReport report) {
        StringBuilder json = new StringBuilder("{\"backends\": [");
        strings(json, report.backends());
        json.append("],\n \"findings\": [");
        for (int i = 0; i < report.findings().size(); i++) {
            Finding finding = report.findings().get(i);
            json.append(i == 0 ? "\n  {" : ",\n  {");
            field(json, "severity", finding.severity().label()).append(", ");
            field(json, "backend", finding.backend()).append(", ");
            field(json, "kind", finding.kind().label()).append(", ");
            field(json, "database", finding.database()).append(", ");
            field(json, "what", finding.what()).append(", ");
            field(json, "why", finding.why()).append(", \"fix\": [");
            strings(json, finding.fix());
            json.append("], ");
            field(json, "fix_in", finding.fixIn()).append('}');
        }
        json.append(report.findings().isEmpty() ? "],\n" : "\n ],\n").append(" \"counts\": {");
        Map<Severity, Long> counts = report.countBySeverity();
        Severity[] severities = Severity.values();
        for (int i = 0; i < severities.length; i++) {
            json.append(i == 0 ? "" : ", ");
            Json.string(json, severities[i].label());
            json.append(": ").append(counts.getOrDefault(severities[i], 0L));
        }
        return json.append("}}\n").toString();
    }

    private static StringBuilder field(StringBuilder json, String name, String value) {
        Json.string(json, name);
        json.append(": ");
        if (value == null) {
            json.append("null");
        } else {
            Json.string(json, value);
        }
        return json;
    }

    private static void strings(StringBuilder json, List<String> values) {
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                json.append(", ");
            }
            Json.string(json, values.get(i));
        }
    }
}
