package io.pgwarden.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * bench/soak.sh's report: its per-second samples (a CSV, {@code seconds} first, then one column per
 * series) to a Markdown summary (first, last, min, max, and the least-squares slope per minute over
 * the whole run and over its second half, where warm-up no longer counts) and a PNG with one line
 * chart per series.
 * <pre>
 * java -cp pgwarden-bench.jar io.pgwarden.bench.report.SoakReport SAMPLES.csv HEADER.md OUT.md OUT.png "title"
 * </pre>
 */
public final class SoakReport {

    /** One column of the samples, summarised. */
    public record Summary(String name, double first, double last, double min, double max, double slopePerMinute,
                          double secondHalfSlopePerMinute) {
    }

    private final double[] seconds;
    private final List<LineCharts.Series> series;

    SoakReport(double[] seconds, List<LineCharts.Series> series) {
        this.seconds = seconds;
        this.series = series;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 5) {
            System.err.println("usage: SoakReport SAMPLES.csv HEADER.md OUT.md OUT.png TITLE");
            System.exit(2);
        }
        SoakReport report = read(Path.of(args[0]));
        String header = Files.readString(Path.of(args[1]));
        Path chart = Path.of(args[3]);
        report.chart(args[4]).writePng(chart);
        Files.writeString(Path.of(args[2]), header + "\n" + report.table() + "\n![" + args[4] + "](" + chart.getFileName() + ")\n");
    }

    /** Reads the CSV; an empty cell (a sample that failed) is NaN. */
    static SoakReport read(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv).stream().filter(line -> !line.isBlank()).toList();
        String[] names = lines.get(0).split(",", -1);
        int rows = lines.size() - 1;
        double[][] columns = new double[names.length][rows];
        for (int r = 0; r < rows; r++) {
            String[] cells = lines.get(r + 1).split(",", -1);
            for (int c = 0; c < names.length; c++) {
                columns[c][r] = c < cells.length && !cells[c].isBlank() ? Double.parseDouble(cells[c]) : Double.NaN;
            }
        }
        List<LineCharts.Series> series = new ArrayList<>();
        for (int c = 1; c < names.length; c++) {
            series.add(new LineCharts.Series(names[c], unitOf(names[c]), columns[c]));
        }
        return new SoakReport(columns[0], series);
    }

    /** Column names end in their unit where they have one: {@code rss_mib}, {@code direct_mib}. */
    private static String unitOf(String name) {
        return name.endsWith("_mib") ? "MiB" : "";
    }

    LineCharts chart(String title) {
        return new LineCharts(title, seconds, series);
    }

    List<Summary> summaries() {
        List<Summary> summaries = new ArrayList<>();
        double half = seconds.length == 0 ? 0 : seconds[seconds.length - 1] / 2;
        for (LineCharts.Series s : series) {
            double first = Double.NaN;
            double last = Double.NaN;
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (double v : s.values()) {
                if (!Double.isNaN(v)) {
                    first = Double.isNaN(first) ? v : first;
                    last = v;
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
            summaries.add(new Summary(s.name(), first, last, min, max, slopePerMinute(seconds, s.values(), 0),
                    slopePerMinute(seconds, s.values(), half)));
        }
        return summaries;
    }

    /** The least-squares slope of the samples taken at or after {@code fromSecond}, per minute; NaN under two samples. */
    static double slopePerMinute(double[] seconds, double[] values, double fromSecond) {
        double n = 0;
        double sumT = 0;
        double sumV = 0;
        double sumTT = 0;
        double sumTV = 0;
        for (int i = 0; i < seconds.length; i++) {
            if (seconds[i] < fromSecond || Double.isNaN(values[i])) {
                continue;
            }
            double t = seconds[i] / 60;
            n++;
            sumT += t;
            sumV += values[i];
            sumTT += t * t;
            sumTV += t * values[i];
        }
        double denominator = n * sumTT - sumT * sumT;
        return n < 2 || denominator == 0 ? Double.NaN : (n * sumTV - sumT * sumV) / denominator;
    }

    String table() {
        StringBuilder md = new StringBuilder("| series | first | last | min | max | slope / min | slope / min, 2nd half |\n")
                .append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (Summary s : summaries()) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |%n", s.name(), number(s.first()),
                    number(s.last()), number(s.min()), number(s.max()), signed(s.slopePerMinute()), signed(s.secondHalfSlopePerMinute())));
        }
        return md.toString();
    }

    private static String number(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String signed(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%+.3f", v);
    }
}
