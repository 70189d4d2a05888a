package io.pgwarden.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Turns the results file of one {@code bench/run.sh} invocation into the Markdown report and its
 * PNG chart: per figure and setup the median and min-max over the rounds, and pgwarden's ratio to
 * every other setup (medians). Failures are shown as such, with the first error, never dropped.
 */
public final class MarkdownReport {

    static final String PGWARDEN = "pgwarden";
    static final double IDLE_TARGET_KIB = 16;

    private final List<Run> runs;
    private final List<String> figures;
    private final List<String> setups;
    private final boolean idle;

    public MarkdownReport(List<Run> runs) {
        this.runs = runs;
        this.figures = new ArrayList<>(runs.stream().map(Run::figure).collect(Collectors.toCollection(LinkedHashSet::new)));
        this.setups = new ArrayList<>(runs.stream().map(Run::setup).collect(Collectors.toCollection(LinkedHashSet::new)));
        this.idle = runs.stream().anyMatch(run -> run.scenario().equals("idle-scale"));
    }

    public static String displayName(String setup) {
        return switch (setup) {
            case "direct" -> "direct";
            case "pgbouncer" -> "PgBouncer";
            case "pgbouncer-pt0" -> "PgBouncer, prepareThreshold=0";
            case PGWARDEN -> "pgwarden";
            default -> setup;
        };
    }

    /** Writes {@code markdown} (header + tables + chart link) and {@code chart}. */
    public void write(String header, Path markdown, Path chart, String chartTitle) throws IOException {
        StringBuilder out = new StringBuilder(header.strip()).append("\n\n## Results\n\n");
        out.append(loadLine()).append("\n\n");
        List<String> notes = new ArrayList<>();
        if (idle) {
            idleTable(out, notes);
        } else {
            throughputTable(out, notes);
        }
        if (!notes.isEmpty()) {
            out.append('\n');
            for (int i = 0; i < notes.size(); i++) {
                out.append(i + 1).append(". ").append(notes.get(i)).append('\n');
            }
        }
        out.append("\n![").append(chartTitle).append("](").append(chart.getFileName()).append(")\n");
        Files.writeString(markdown, out.toString());
        chart(chartTitle).writePng(chart);
    }

    private String loadLine() {
        Stats load = Stats.of(runs, Run::load1);
        int rounds = runs.stream().mapToInt(Run::round).max().orElse(0);
        return String.format(Locale.ROOT,
                "%d measurements in %d round(s), setups interleaved in each round (%s). "
                        + "1-minute load average (`uptime`) just before each measurement: median %.2f, min %.2f, max %.2f "
                        + "(2 cores; other work was running on the machine).",
                runs.size(), rounds, setups.stream().map(MarkdownReport::displayName).collect(Collectors.joining(", ")),
                load.median(), load.min(), load.max());
    }

    private void throughputTable(StringBuilder out, List<String> notes) {
        List<String> others = setups.stream().filter(s -> !s.equals(PGWARDEN)).toList();
        boolean hasPgwarden = setups.contains(PGWARDEN);
        out.append("| Figure |");
        setups.forEach(s -> out.append(' ').append(displayName(s)).append(" TPS |"));
        if (hasPgwarden) {
            others.forEach(s -> out.append(" pgwarden / ").append(displayName(s)).append(" |"));
        }
        setups.forEach(s -> out.append(" p99 ms ").append(displayName(s)).append(" |"));
        out.append('\n').append("|---|");
        int columns = setups.size() * 2 + (hasPgwarden ? others.size() : 0);
        out.append("---:|".repeat(columns)).append('\n');
        for (String figure : figures) {
            out.append("| ").append(figure).append(" |");
            Map<String, Stats> tps = new LinkedHashMap<>();
            for (String setup : setups) {
                List<Run> cell = cell(figure, setup);
                if (cell.isEmpty()) {
                    out.append(" – |");
                    continue;
                }
                String failure = failure(cell, notes);
                if (failure != null) {
                    out.append(' ').append(failure).append(" |");
                    continue;
                }
                Stats stats = Stats.of(cell, Run::value1);
                tps.put(setup, stats);
                out.append(String.format(Locale.ROOT, " **%,.0f** (%,.0f–%,.0f) |", stats.median(), stats.min(), stats.max()));
            }
            if (hasPgwarden) {
                for (String other : others) {
                    Stats mine = tps.get(PGWARDEN);
                    Stats theirs = tps.get(other);
                    out.append(mine == null || theirs == null || theirs.median() == 0 ? " – |"
                            : String.format(Locale.ROOT, " %.2f |", mine.median() / theirs.median()));
                }
            }
            for (String setup : setups) {
                List<Run> cell = cell(figure, setup);
                boolean failed = cell.stream().anyMatch(run -> !run.ok());
                Stats p99 = failed ? Stats.of() : Stats.of(cell, Run::value4);
                out.append(p99.empty() ? " – |" : String.format(Locale.ROOT, " %.2f |", p99.median()));
            }
            out.append('\n');
        }
        out.append("\nTPS: median over the rounds, (min–max) in brackets. p99: median over the rounds of each "
                + "round's 99th percentile latency (of the transactions that completed; none is shown where a round failed). "
                + "A ratio above 1 means pgwarden did more transactions per second.\n");
        latencyTable(out);
    }

    /** Per figure and setup: the medians over the rounds of the mean, p50 and p99 latency (ms). */
    private void latencyTable(StringBuilder out) {
        out.append("\nLatency in ms, mean / p50 / p99: each the median over the rounds (the mean is pgbench's "
                + "\"latency average\"; none is shown where a round failed).\n\n| Figure |");
        setups.forEach(s -> out.append(' ').append(displayName(s)).append(" |"));
        out.append("\n|---|").append("---:|".repeat(setups.size())).append('\n');
        for (String figure : figures) {
            out.append("| ").append(figure).append(" |");
            for (String setup : setups) {
                List<Run> cell = cell(figure, setup);
                if (cell.isEmpty() || cell.stream().anyMatch(run -> !run.ok())) {
                    out.append(" – |");
                    continue;
                }
                out.append(' ').append(ms(Stats.of(cell, Run::value2))).append(" / ").append(ms(Stats.of(cell, Run::value3)))
                        .append(" / ").append(ms(Stats.of(cell, Run::value4))).append(" |");
            }
            out.append('\n');
        }
    }

    private static String ms(Stats stats) {
        return stats.empty() ? "–" : String.format(Locale.ROOT, "%.2f", stats.median());
    }

    private void idleTable(StringBuilder out, List<String> notes) {
        out.append("| Setup | connections held | RSS before (MiB) | RSS after (MiB) | RSS per idle connection (KiB) "
                + "| target ≤ 16 KiB |\n|---|---:|---:|---:|---:|---|\n");
        for (String figure : figures) {
            for (String setup : setups) {
                List<Run> cell = cell(figure, setup);
                if (cell.isEmpty()) {
                    continue;
                }
                String failure = failure(cell, notes);
                Stats held = Stats.of(cell, Run::value1);
                Stats before = Stats.of(cell, Run::value2);
                Stats after = Stats.of(cell, Run::value3);
                Stats perConnection = Stats.of(cell, MarkdownReport::kibPerConnection);
                out.append(String.format(Locale.ROOT, "| %s | %,.0f | %.1f | %.1f | %s | %s |%n", displayName(setup),
                        held.median(), before.median() / 1024, after.median() / 1024,
                        failure != null ? failure : String.format(Locale.ROOT, "**%.1f** (%.1f–%.1f)",
                                perConnection.median(), perConnection.min(), perConnection.max()),
                        setup.equals(PGWARDEN) ? (perConnection.median() <= IDLE_TARGET_KIB ? "met"
                                : String.format(Locale.ROOT, "missed by %.1f KiB (%.1f×)",
                                        perConnection.median() - IDLE_TARGET_KIB, perConnection.median() / IDLE_TARGET_KIB))
                                : ""));
            }
        }
        out.append("\nRSS is VmRSS from /proc/PID/status: before = the freshly started proxy after one warm-up "
                + "connection, after = with every connection open and idle for a few seconds. Per connection = "
                + "(after − before) / connections held; median over the rounds, (min–max).\n");
    }

    private static double kibPerConnection(Run run) {
        return run.value1() <= 0 ? Double.NaN : (run.value3() - run.value2()) / run.value1();
    }

    private List<Run> cell(String figure, String setup) {
        return runs.stream().filter(r -> r.figure().equals(figure) && r.setup().equals(setup)).toList();
    }

    /** "fails¹" (with a numbered note) when any round of the cell did not succeed; null otherwise. */
    private static String failure(List<Run> cell, List<String> notes) {
        List<Run> bad = cell.stream().filter(run -> !run.ok()).toList();
        if (bad.isEmpty()) {
            return null;
        }
        Run first = bad.get(0);
        String note = String.format(Locale.ROOT, "%s, %s: %s in %d of %d rounds%s: %s", first.figure(),
                displayName(first.setup()), first.status(), bad.size(), cell.size(),
                first.failed() > 0 ? String.format(Locale.ROOT, " (%,d failed transactions in round %d)", first.failed(),
                        first.round()) : "",
                first.note().isBlank() ? "no error message captured" : "`" + first.note().replace("`", "'") + "`");
        notes.add(note);
        return first.status() + " [" + notes.size() + "]";
    }

    private BarChart chart(String title) {
        List<String> series = setups.stream().map(MarkdownReport::displayName).toList();
        Set<String> failedCells = new LinkedHashSet<>();
        BarChart.Bar[][] bars = new BarChart.Bar[figures.size()][setups.size()];
        for (int f = 0; f < figures.size(); f++) {
            for (int s = 0; s < setups.size(); s++) {
                List<Run> cell = cell(figures.get(f), setups.get(s));
                if (cell.isEmpty()) {
                    continue;
                }
                boolean failed = cell.stream().anyMatch(run -> !run.ok());
                if (failed) {
                    failedCells.add(figures.get(f));
                }
                Stats stats = idle ? Stats.of(cell, MarkdownReport::kibPerConnection) : Stats.of(cell, Run::value1);
                bars[f][s] = new BarChart.Bar(stats, failed);
            }
        }
        return idle
                ? new BarChart(title, "RSS per idle client connection (KiB)", figures, series, bars, IDLE_TARGET_KIB,
                        "pgwarden target 16 KiB")
                : new BarChart(title, "transactions per second", figures, series, bars, Double.NaN, "");
    }
}
