package io.pgwarden.bench.noisy;

import io.pgwarden.bench.load.ClientGroup;
import io.pgwarden.bench.load.GroupResult;
import io.pgwarden.bench.load.LoadGenerator;
import io.pgwarden.bench.report.BarChart;
import io.pgwarden.bench.report.Stats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.ToDoubleFunction;

/**
 * The Java side of {@code bench/noisy-neighbour.sh}.
 * <ul>
 *   <li>{@code load}: 300 flood clients on database noisy (heavy transaction, back to back) and 10 clients
 *   each on calm1 and calm2 (primary-key read, back to back or {@code --calm-rate} per second each), all at
 *   once through one address; one result line per database, with the
 *   server connections PostgreSQL held per database during the measurement (sampled from pg_stat_activity);
 *   a per-250-ms timeline of those connections goes to stderr.</li>
 *   <li>{@code report}: results file to Markdown (table, ratios to the baseline, targets) and PNG chart.</li>
 * </ul>
 */
public final class NoisyNeighbour {

    static final List<String> DATABASES = List.of("noisy", "calm1", "calm2");
    static final List<String> SETUPS = List.of("baseline", "pgwarden-alone", "pgwarden-cpu", "direct", "pgbouncer",
            "pgwarden");

    private NoisyNeighbour() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: NoisyNeighbour load|report --name value ...");
            System.exit(2);
        }
        Map<String, String> o = new HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                System.err.println("expected --name value, got " + args[i]);
                System.exit(2);
            }
            o.put(args[i].substring(2), args[i + 1]);
        }
        System.exit(switch (args[0]) {
            case "load" -> load(o);
            case "report" -> report(o);
            default -> {
                System.err.println("unknown sub-command " + args[0]);
                yield 2;
            }
        });
    }

    private static String need(Map<String, String> o, String name) {
        String value = o.get(name);
        if (value == null) {
            throw new IllegalArgumentException("missing --" + name);
        }
        return value;
    }

    private static int integer(Map<String, String> o, String name, int otherwise) {
        return o.containsKey(name) ? Integer.parseInt(o.get(name)) : otherwise;
    }

    // ------------------------------------------------------------------ load

    private static int load(Map<String, String> o) throws Exception {
        String base = need(o, "base");
        int flood = integer(o, "flood", 300);
        int calm = integer(o, "calm", 10);
        double calmRate = o.containsKey("calm-rate") ? Double.parseDouble(o.get("calm-rate")) : 0; // per client; 0 = closed loop
        int warmup = integer(o, "warmup", 5);
        int duration = integer(o, "duration", 20);
        long retry = integer(o, "retry-ms", 200);
        Properties props = new Properties();
        props.setProperty("user", need(o, "user"));
        props.setProperty("password", need(o, "password"));
        props.setProperty("loginTimeout", "30");
        props.setProperty("connectTimeout", "30");
        for (String pair : o.getOrDefault("props", "").split(",")) {
            if (pair.contains("=")) {
                props.setProperty(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
            }
        }
        List<ClientGroup> groups = new ArrayList<>();
        // the flood first: its 300 threads connect (and, direct, grab server connections) before the calm ones
        if (flood > 0) {
            groups.add(new ClientGroup("noisy", new PerClientSource(base + "noisy", props, retry), flood,
                    NoisyTemplates.heavy()));
        }
        for (String db : List.of("calm1", "calm2")) {
            groups.add(new ClientGroup(db, new PerClientSource(base + db, props, retry), calm, NoisyTemplates.light(), calmRate));
        }

        Monitor monitor = o.containsKey("monitor") ? new Monitor(o.get("monitor"), need(o, "monitor-user"),
                need(o, "monitor-password")) : null;
        if (monitor != null) {
            monitor.start();
        }
        List<GroupResult> results;
        CpuBusy cpu = CpuBusy.during(warmup, duration);
        try {
            results = new LoadGenerator(Duration.ofSeconds(warmup), Duration.ofSeconds(duration), true).run(groups);
        } finally {
            if (monitor != null) {
                monitor.stop();
            }
        }
        if (monitor != null) {
            monitor.printTimeline(System.err);
        }
        printLatencyTimeline(results, System.err);
        for (GroupResult r : results) {
            double[] servers = monitor == null ? new double[] {Double.NaN, Double.NaN}
                    : monitor.meanAndMax(r.name(), warmup * 1000L, (warmup + duration) * 1000L);
            long failures = ((PerClientSource) groups.stream().filter(g -> g.name().equals(r.name())).findFirst()
                    .orElseThrow().source()).connectFailures();
            String status = r.transactions() == 0 ? "fails" : r.errors() > 0 ? "errors" : "ok";
            System.out.println(String.join("\t", r.name(), status,
                    f1(r.tps()), f3(r.meanMillis()), f3(r.latencyMillis(50)), f3(r.latencyMillis(99)),
                    Long.toString(r.errors()),
                    r.firstErrors().isEmpty() ? "" : r.firstErrors().get(0).replaceAll("[\\t\\r\\n]+", " "),
                    f1(servers[0]), f1(servers[1]), Long.toString(failures), f1(cpu.percent())));
        }
        groups.forEach(g -> g.source().close());
        return 0;
    }

    /** Per second (warm-up included): transactions that ended and the slowest of them (ms), per database. */
    private static void printLatencyTimeline(List<GroupResult> results, java.io.PrintStream out) {
        StringBuilder head = new StringBuilder("latency\ts");
        results.forEach(r -> head.append('\t').append(r.name()).append("_tx\t").append(r.name()).append("_worst_ms"));
        out.println(head);
        int seconds = results.get(0).endedPerSecond().length;
        for (int s = 0; s < seconds; s++) {
            StringBuilder line = new StringBuilder("latency\t").append(s);
            boolean any = false;
            for (GroupResult r : results) {
                any |= r.endedPerSecond()[s] > 0;
                line.append('\t').append(r.endedPerSecond()[s]).append('\t').append(f1(r.worstMicrosPerSecond()[s] / 1000.0));
            }
            if (any) {
                out.println(line);
            }
        }
    }

    private static String f1(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String f3(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }

    /** How busy the machine's CPUs were during the measurement (all processes: clients, proxy, PostgreSQL), from /proc/stat. */
    private static final class CpuBusy {
        private volatile double percent = Double.NaN;

        static CpuBusy during(int warmupSeconds, int durationSeconds) {
            CpuBusy busy = new CpuBusy();
            Thread thread = new Thread(() -> {
                try {
                    Thread.sleep(warmupSeconds * 1000L);
                    long[] from = read();
                    Thread.sleep(durationSeconds * 1000L);
                    long[] to = read();
                    long total = to[0] - from[0];
                    busy.percent = total <= 0 ? Double.NaN : 100.0 * (total - (to[1] - from[1])) / total;
                } catch (IOException | InterruptedException | RuntimeException e) {
                    System.err.println("cpu: " + e.getMessage()); // not on Linux: the column stays empty
                }
            }, "cpu-busy");
            thread.setDaemon(true);
            thread.start();
            return busy;
        }

        /** Total and idle (idle + iowait) jiffies of all CPUs. */
        private static long[] read() throws IOException {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            return new long[] {total, Long.parseLong(f[4]) + Long.parseLong(f[5])};
        }

        double percent() {
            return percent;
        }
    }

    /** Samples client backends per database from pg_stat_activity every 250 ms. */
    private static final class Monitor {
        private final String url;
        private final Properties props = new Properties();
        private final List<long[]> samples = new ArrayList<>(); // t ms, noisy, calm1, calm2, active noisy, active calm
        private volatile boolean running = true;
        private Thread thread;
        private final long start = System.nanoTime();

        Monitor(String url, String user, String password) {
            this.url = url;
            props.setProperty("user", user);
            props.setProperty("password", password);
        }

        void start() throws SQLException {
            Connection connection = DriverManager.getConnection(url, props);
            thread = new Thread(() -> {
                try (connection; Statement st = connection.createStatement()) {
                    while (running) {
                        long t = (System.nanoTime() - start) / 1_000_000;
                        long[] s = new long[6];
                        s[0] = t;
                        try (ResultSet rows = st.executeQuery("SELECT datname, count(*), count(*) FILTER (WHERE state"
                                + " <> 'idle') FROM pg_stat_activity WHERE backend_type = 'client backend'"
                                + " AND datname IN ('noisy', 'calm1', 'calm2') GROUP BY 1")) {
                            while (rows.next()) {
                                int i = DATABASES.indexOf(rows.getString(1));
                                s[1 + i] = rows.getLong(2);
                                s[i == 0 ? 4 : 5] += rows.getLong(3);
                            }
                        }
                        synchronized (samples) {
                            samples.add(s);
                        }
                        Thread.sleep(250);
                    }
                } catch (SQLException | InterruptedException e) {
                    System.err.println("monitor: " + e.getMessage());
                }
            }, "monitor");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(5000);
        }

        double[] meanAndMax(String database, long fromMs, long toMs) {
            int i = 1 + DATABASES.indexOf(database);
            double sum = 0;
            long max = 0;
            int n = 0;
            synchronized (samples) {
                for (long[] s : samples) {
                    if (s[0] >= fromMs && s[0] <= toMs) {
                        sum += s[i];
                        max = Math.max(max, s[i]);
                        n++;
                    }
                }
            }
            return n == 0 ? new double[] {Double.NaN, Double.NaN} : new double[] {sum / n, max};
        }

        void printTimeline(java.io.PrintStream out) {
            out.println("timeline\tms\tnoisy\tcalm1\tcalm2\tnoisy_active\tcalm_active");
            synchronized (samples) {
                for (long[] s : samples) {
                    out.printf(Locale.ROOT, "timeline\t%d\t%d\t%d\t%d\t%d\t%d%n", s[0], s[1], s[2], s[3], s[4], s[5]);
                }
            }
        }
    }

    // ------------------------------------------------------------------ report

    /**
     * A line of the results file: scenario setup round load1 figure status tps mean p50 p99 failed note srv_mean
     * srv_max connect_failures cpu_busy.
     */
    record Line(String setup, int round, double load1, String db, String status, double tps, double mean, double p50,
                double p99, long errors, String note, double srvMean, double srvMax, long connectFailures,
                double cpuBusy) {
    }

    static List<Line> read(Path file) throws IOException {
        List<Line> lines = new ArrayList<>();
        for (String text : Files.readAllLines(file)) {
            if (text.isBlank() || text.startsWith("scenario\t")) {
                continue;
            }
            String[] f = text.split("\t", -1);
            lines.add(new Line(f[1], Integer.parseInt(f[2]), num(f[3]), f[4], f[5], num(f[6]), num(f[7]), num(f[8]),
                    num(f[9]), (long) num(f[10]), f[11], f.length > 12 ? num(f[12]) : Double.NaN,
                    f.length > 13 ? num(f[13]) : Double.NaN, f.length > 14 ? (long) num(f[14]) : 0,
                    f.length > 15 ? num(f[15]) : Double.NaN));
        }
        return lines;
    }

    private static double num(String s) {
        return s.isEmpty() || s.equals("-") || s.equalsIgnoreCase("nan") ? Double.NaN : Double.parseDouble(s);
    }

    static String title(String setup) {
        return switch (setup) {
            case "baseline" -> "(a) calm alone, direct";
            case "pgwarden-alone" -> "(a') calm alone, through pgwarden";
            case "pgwarden-cpu" -> "(a'') calm alone, through pgwarden, CPU hogs beside";
            case "direct" -> "(b) flood, direct";
            case "pgbouncer" -> "(c) flood, PgBouncer 1.18";
            case "pgwarden" -> "(d) flood, pgwarden";
            default -> setup;
        };
    }

    private static int report(Map<String, String> o) throws IOException {
        List<Line> lines = read(Path.of(need(o, "results")));
        int budget = integer(o, "budget", 52);
        Map<String, Map<String, List<Line>>> by = new LinkedHashMap<>();
        for (String setup : SETUPS) {
            Map<String, List<Line>> perDb = new LinkedHashMap<>();
            for (String db : DATABASES) {
                perDb.put(db, lines.stream().filter(l -> l.setup().equals(setup) && l.db().equals(db)).toList());
            }
            by.put(setup, perDb);
        }
        StringBuilder out = new StringBuilder(Files.readString(Path.of(need(o, "header"))).strip()).append("\n\n");
        out.append("## Results\n\nMedian over the rounds, min–max in brackets. TPS = committed transactions per second; ")
                .append("p50/p99 = latency of one transaction as the client sees it (ms); errors = failed transactions ")
                .append("(summed over the rounds, including failed connection attempts); server conns = client backends ")
                .append("PostgreSQL held for that database (mean of 250 ms samples during the measurement, max in brackets).\n\n");
        out.append("| setup | db | TPS | p50 ms | p99 ms | errors | server conns | first error |\n|---|---|---:|---:|---:|---:|---:|---|\n");
        for (String setup : SETUPS) {
            for (String db : DATABASES) {
                List<Line> ls = by.get(setup).get(db);
                if (ls.isEmpty()) {
                    continue;
                }
                Stats srvMax = Stats.of(ls, Line::srvMax);
                out.append("| ").append(title(setup)).append(" | ").append(db).append(" | ")
                        .append(cell(Stats.of(ls, Line::tps), 0)).append(" | ")
                        .append(cell(Stats.of(ls, Line::p50), 2)).append(" | ")
                        .append(cell(Stats.of(ls, Line::p99), 2)).append(" | ")
                        .append(ls.stream().mapToLong(Line::errors).sum()).append(" | ")
                        .append(fmt(Stats.of(ls, Line::srvMean).median(), 1))
                        .append(srvMax.empty() ? "" : " (" + fmt(srvMax.max(), 0) + ")").append(" | ")
                        .append(ls.stream().map(Line::note).filter(n -> !n.isBlank()).findFirst().orElse("")
                                .replace("|", "\\|")).append(" |\n");
            }
        }
        // ratios and targets
        out.append("\n## Against the baseline and the targets\n\n");
        out.append("Targets (issue 5): under the flood calm1 and calm2 keep ≥ 80 % of their baseline TPS, their p99 stays "
                + "≤ 2× the baseline p99, they see zero errors, and the flood still gets the rest of the capacity.\n\n");
        out.append("| setup | calm1 TPS vs (a) | calm2 TPS vs (a) | calm1 p99 vs (a) | calm2 p99 vs (a) | calm errors | "
                + "TPS ≥ 80 % | p99 ≤ 2× | zero errors | noisy TPS | noisy errors | server conns in use (noisy + calm) "
                + "| CPU busy |\n|---|---:|---:|---:|---:|---:|:-:|:-:|:-:|---:|---:|---:|---:|\n");
        for (String setup : SETUPS.subList(1, SETUPS.size())) {
            if (by.get(setup).get("calm1").isEmpty()) {
                continue;
            }
            double r1 = ratio(by, setup, "calm1", Line::tps);
            double r2 = ratio(by, setup, "calm2", Line::tps);
            double q1 = ratio(by, setup, "calm1", Line::p99);
            double q2 = ratio(by, setup, "calm2", Line::p99);
            long calmErrors = by.get(setup).get("calm1").stream().mapToLong(Line::errors).sum()
                    + by.get(setup).get("calm2").stream().mapToLong(Line::errors).sum();
            double conns = 0;
            for (String db : DATABASES) {
                conns += Stats.of(by.get(setup).get(db), Line::srvMean).median();
            }
            List<Line> noisy = by.get(setup).get("noisy");
            out.append("| ").append(title(setup)).append(" | ")
                    .append(pct(r1)).append(" | ").append(pct(r2)).append(" | ")
                    .append(times(q1)).append(" | ").append(times(q2)).append(" | ")
                    .append(calmErrors).append(" | ")
                    .append(yes(r1 >= 0.8 && r2 >= 0.8)).append(" | ")
                    .append(yes(q1 <= 2 && q2 <= 2)).append(" | ")
                    .append(yes(calmErrors == 0)).append(" | ")
                    .append(cell(Stats.of(noisy, Line::tps), 0)).append(" | ")
                    .append(noisy.stream().mapToLong(Line::errors).sum()).append(" | ")
                    .append(fmt(conns, 1)).append(setup.equals("direct") ? " of 57" : " of " + budget).append(" | ")
                    .append(fmt(Stats.of(by.get(setup).get("calm1"), Line::cpuBusy).median(), 0)).append(" % |\n");
        }
        Stats baselineCpu = Stats.of(by.get("baseline").get("calm1"), Line::cpuBusy);
        out.append("\nCPU busy: all processes on the machine's ").append(Runtime.getRuntime().availableProcessors())
                .append(" CPUs during the measurement (/proc/stat); (a) calm alone, direct: ")
                .append(fmt(baselineCpu.median(), 0)).append(" %.\n");
        Files.writeString(Path.of(need(o, "out")), out.toString());

        // chart: TPS per database and setup, with 80 % of the calm baseline as the reference line
        // only the setups this run measured
        List<String> shown = SETUPS.stream()
                .filter(setup -> DATABASES.stream().anyMatch(db -> !by.get(setup).get(db).isEmpty())).toList();
        List<String> series = shown.stream().map(NoisyNeighbour::legend).toList();
        double baseline = (Stats.of(by.get("baseline").get("calm1"), Line::tps).median()
                + Stats.of(by.get("baseline").get("calm2"), Line::tps).median()) / 2;
        new BarChart(o.getOrDefault("title", "noisy neighbour: TPS per database"), "transactions / s",
                List.of("calm1 TPS", "calm2 TPS", "noisy TPS"), series,
                bars(by, shown, List.of("calm1", "calm2", "noisy"), Line::tps),
                0.8 * baseline, "80 % of calm baseline").writePng(Path.of(need(o, "chart")));
        // and the calm databases' p99, with twice the baseline's as the reference line
        double baselineP99 = (Stats.of(by.get("baseline").get("calm1"), Line::p99).median()
                + Stats.of(by.get("baseline").get("calm2"), Line::p99).median()) / 2;
        new BarChart("noisy neighbour: calm p99 latency", "ms", List.of("calm1 p99", "calm2 p99"), series,
                bars(by, shown, List.of("calm1", "calm2"), Line::p99),
                2 * baselineP99, "2 × calm baseline").writePng(Path.of(need(o, "chart").replace(".png", "-p99.png")));
        return 0;
    }

    /** [database][setup] bars of one figure; null where a setup did not measure that database. */
    private static BarChart.Bar[][] bars(Map<String, Map<String, List<Line>>> by, List<String> setups,
                                         List<String> databases, ToDoubleFunction<Line> figure) {
        BarChart.Bar[][] bars = new BarChart.Bar[databases.size()][setups.size()];
        for (int g = 0; g < databases.size(); g++) {
            for (int s = 0; s < setups.size(); s++) {
                List<Line> ls = by.get(setups.get(s)).get(databases.get(g));
                bars[g][s] = ls.isEmpty() ? null : new BarChart.Bar(Stats.of(ls, figure),
                        ls.stream().allMatch(l -> l.tps() == 0));
            }
        }
        return bars;
    }

    private static String legend(String setup) {
        return switch (setup) {
            case "baseline" -> "(a) calm alone";
            case "pgwarden-alone" -> "(a') calm alone via pgwarden";
            case "pgwarden-cpu" -> "(a'') the same + CPU hogs";
            case "direct" -> "(b) direct";
            case "pgbouncer" -> "(c) PgBouncer";
            case "pgwarden" -> "(d) pgwarden";
            default -> setup;
        };
    }

    private static double ratio(Map<String, Map<String, List<Line>>> by, String setup, String db, ToDoubleFunction<Line> f) {
        return Stats.of(by.get(setup).get(db), f).median() / Stats.of(by.get("baseline").get(db), f).median();
    }

    private static String cell(Stats s, int digits) {
        if (s.empty()) {
            return "–";
        }
        return fmt(s.median(), digits) + (s.count() > 1 ? " (" + fmt(s.min(), digits) + "–" + fmt(s.max(), digits) + ")" : "");
    }

    private static String fmt(double v, int digits) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%,." + digits + "f", v);
    }

    private static String pct(double r) {
        return Double.isNaN(r) ? "–" : String.format(Locale.ROOT, "%.0f %%", 100 * r);
    }

    private static String times(double r) {
        return Double.isNaN(r) ? "–" : String.format(Locale.ROOT, "%.2f×", r);
    }

    private static String yes(boolean ok) {
        return ok ? "yes" : "**no**";
    }
}
