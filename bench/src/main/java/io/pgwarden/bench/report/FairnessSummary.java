package io.pgwarden.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The many-databases summary: per setup, what the whole platform got (all databases' TPS added up),
 * how evenly (the spread of the databases' p99: worst over best) and with how many server
 * connections. Each figure is taken per round, then the median over the rounds is shown (with the
 * min–max of the total TPS). The results are {@link Run} lines whose figure is a database; the
 * server connections are lines {@code setup round max median} of samples from pg_stat_activity.
 */
public final class FairnessSummary {

    /** One setup in one round, over all its databases. */
    record Round(String setup, int round, double load1, double totalTps, double bestP99, double medianP99,
                 double worstP99, int databases, int databasesFailing, long errors, String firstError) {

        double spread() {
            return worstP99 / bestP99;
        }
    }

    /** Server connections one setup held in one round: the most at once, and the median sample. */
    record Servers(String setup, int round, int max, double median) {
    }

    private final List<Round> rounds;
    private final List<Servers> servers;

    FairnessSummary(List<Run> runs, List<Servers> servers) {
        this.rounds = rounds(runs);
        this.servers = servers;
    }

    public static FairnessSummary read(Path results, Path serverSamples) throws IOException {
        List<Servers> servers = new ArrayList<>();
        if (Files.exists(serverSamples)) {
            for (String line : Files.readAllLines(serverSamples)) {
                String[] f = line.split("\t");
                if (f.length >= 4) {
                    servers.add(new Servers(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]), Double.parseDouble(f[3])));
                }
            }
        }
        return new FairnessSummary(Run.read(results), servers);
    }

    static List<Round> rounds(List<Run> runs) {
        Map<String, Map<Integer, List<Run>>> bySetup = new LinkedHashMap<>();
        for (Run run : runs) {
            bySetup.computeIfAbsent(run.setup(), s -> new TreeMap<>())
                    .computeIfAbsent(run.round(), r -> new ArrayList<>()).add(run);
        }
        List<Round> result = new ArrayList<>();
        bySetup.forEach((setup, byRound) -> byRound.forEach((round, databases) -> {
            List<Run> served = databases.stream().filter(r -> r.value1() > 0 && !Double.isNaN(r.value4())).toList();
            Stats p99 = Stats.of(served, Run::value4);
            long failing = databases.stream().filter(r -> !r.ok()).count();
            String firstError = databases.stream().filter(r -> !r.ok() && !r.note().isBlank()).map(Run::note)
                    .findFirst().orElse("");
            result.add(new Round(setup, round, databases.get(0).load1(),
                    databases.stream().mapToDouble(r -> Double.isNaN(r.value1()) ? 0 : r.value1()).sum(),
                    p99.min(), p99.median(), p99.max(), databases.size(), (int) failing,
                    databases.stream().mapToLong(Run::failed).sum(), firstError));
        }));
        return result;
    }

    /** The Markdown section: one row per setup, then what failed, if anything. */
    public String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("| Setup | server connections held, max (median) | TPS, all databases (min–max) | p99 ms: best / median / worst database"
                + " | spread of p99 (worst / best) | databases with errors | 1-min load |\n");
        out.append("|---|---|---|---|---|---|---|\n");
        Map<String, List<Round>> bySetup = rounds.stream()
                .collect(Collectors.groupingBy(Round::setup, LinkedHashMap::new, Collectors.toList()));
        List<String> failures = new ArrayList<>();
        bySetup.forEach((setup, list) -> {
            Stats tps = Stats.of(list, Round::totalTps);
            List<Servers> held = servers.stream().filter(s -> s.setup().equals(setup)).toList();
            out.append(String.format(Locale.ROOT, "| %s | %s | %s (%s–%s) | %s / %s / %s | %s | %s | %s |%n",
                    MarkdownReport.displayName(setup),
                    held.isEmpty() ? "-" : String.format(Locale.ROOT, "%.0f (%.0f)",
                            Stats.of(held, s -> s.max()).median(), Stats.of(held, Servers::median).median()),
                    number(tps.median()), number(tps.min()), number(tps.max()),
                    millis(Stats.of(list, Round::bestP99).median()), millis(Stats.of(list, Round::medianP99).median()),
                    millis(Stats.of(list, Round::worstP99).median()),
                    ratio(Stats.of(list, Round::spread).median()),
                    failingDatabases(list),
                    String.format(Locale.ROOT, "%.1f–%.1f", Stats.of(list, Round::load1).min(), Stats.of(list, Round::load1).max())));
            list.stream().filter(r -> !r.firstError().isBlank()).findFirst().ifPresent(r -> failures.add(
                    MarkdownReport.displayName(setup) + ", round " + r.round() + ": " + r.databasesFailing() + " of "
                            + r.databases() + " databases with errors; first: `" + r.firstError() + "`"));
        });
        ratios(out, bySetup);
        if (!failures.isEmpty()) {
            out.append('\n');
            failures.forEach(f -> out.append("- ").append(f).append('\n'));
        }
        return out.toString();
    }

    private static void ratios(StringBuilder out, Map<String, List<Round>> bySetup) {
        List<Round> pgwarden = bySetup.get(MarkdownReport.PGWARDEN);
        if (pgwarden == null) {
            return;
        }
        double tps = Stats.of(pgwarden, Round::totalTps).median();
        double worst = Stats.of(pgwarden, Round::worstP99).median();
        List<String> parts = new ArrayList<>();
        bySetup.forEach((setup, list) -> {
            double other = Stats.of(list, Round::totalTps).median();
            if (!setup.equals(MarkdownReport.PGWARDEN) && other > 0) {
                parts.add(String.format(Locale.ROOT, "%s: TPS ×%.2f, worst database's p99 ×%.2f", MarkdownReport.displayName(setup),
                        tps / other, worst / Stats.of(list, Round::worstP99).median()));
            }
        });
        if (!parts.isEmpty()) {
            out.append("\npgwarden relative to ").append(String.join("; ", parts))
                    .append(" (medians over the rounds; a p99 ratio under 1 is better for pgwarden).\n");
        }
    }

    private static String failingDatabases(List<Round> list) {
        int most = list.stream().mapToInt(Round::databasesFailing).max().orElse(0);
        return most == 0 ? "0" : "up to " + most + " of " + list.get(0).databases();
    }

    private static String number(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%,.0f", value);
    }

    private static String millis(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.1f", value);
    }

    private static String ratio(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? "-" : String.format(Locale.ROOT, "%.2f", value);
    }
}
