package io.pgwarden.bench;

import io.pgwarden.bench.idle.IdleConnections;
import io.pgwarden.bench.load.ClientGroup;
import io.pgwarden.bench.load.ConnectionRing;
import io.pgwarden.bench.load.GroupResult;
import io.pgwarden.bench.load.HikariSource;
import io.pgwarden.bench.load.LoadGenerator;
import io.pgwarden.bench.load.Templates;
import io.pgwarden.bench.load.TransactionTemplate;
import io.pgwarden.bench.report.MarkdownReport;
import io.pgwarden.bench.report.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;

/**
 * The Java side of {@code bench/run.sh}. Sub-commands:
 * <ul>
 *   <li>{@code jdbc}: HikariCP + pgjdbc clients on several databases at once; one result line per database</li>
 *   <li>{@code many}: a ring of many open connections, a few busy at a time; one result line</li>
 *   <li>{@code idle}: open many connections and hold them until stdin closes</li>
 *   <li>{@code report}: results file to Markdown + PNG chart</li>
 *   <li>{@code fairness}: the many-databases summary (whole-platform TPS, spread of the databases' p99,
 *       server connections held) of a results file, as Markdown on stdout</li>
 *   <li>{@code flame}: folded stacks (bench/scripts/jfr-flame.sh) to a PNG flame graph</li>
 * </ul>
 * Result lines are the tab-separated tail of {@link Run#HEADER} from {@code figure} on; the script
 * puts scenario, setup, round and load in front.
 */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: BenchMain jdbc|many|idle|report|fairness|flame --name value ...");
            System.exit(2);
        }
        try {
            System.exit(switch (args[0]) {
                case "jdbc" -> jdbc(Options.parse("jdbc", args, 1, Set.of("url", "databases", "user", "password",
                        "clients", "pool", "template", "scale", "warmup", "duration", "props")));
                case "many" -> many(Options.parse("many", args, 1, Set.of("url", "user", "password", "connections",
                        "busy", "openers", "scale", "warmup", "duration", "props", "figure")));
                case "idle" -> idle(Options.parse("idle", args, 1, Set.of("url", "user", "password", "connections",
                        "openers")));
                case "report" -> report(Options.parse("report", args, 1, Set.of("results", "header", "out", "chart",
                        "title")));
                case "fairness" -> fairness(Options.parse("fairness", args, 1, Set.of("results", "servers")));
                case "flame" -> flame(Options.parse("flame", args, 1, Set.of("folded", "out", "title")));
                default -> throw new Options.UsageException("unknown sub-command '" + args[0] + "'");
            });
        } catch (Options.UsageException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        }
    }

    /** Per database: {@code clients} threads on a Hikari pool of {@code pool}, pgjdbc defaults plus --props. */
    private static int jdbc(Options o) throws InterruptedException {
        List<String> databases = List.of(o.get("databases").split(","));
        int clients = o.integer("clients", 10);
        int pool = o.integer("pool", clients);
        TransactionTemplate template = Templates.named(o.get("template", "service"), o.integer("scale", 1));
        List<ClientGroup> groups = new ArrayList<>();
        try {
            for (String database : databases) {
                HikariSource source = HikariSource.open(database, o.get("url") + database, o.get("user"),
                        o.get("password"), pool, o.pairs("props"));
                groups.add(new ClientGroup(database, source, clients, template));
            }
            LoadGenerator generator = new LoadGenerator(Duration.ofSeconds(o.integer("warmup", 3)),
                    Duration.ofSeconds(o.integer("duration", 10)));
            for (GroupResult result : generator.run(groups)) {
                System.out.println(line(result.name(), result));
            }
            return 0;
        } catch (RuntimeException e) {
            // e.g. Hikari could not fill its pool: one failed line per database, not a stack trace
            for (String database : databases) {
                System.out.println(String.join("\t", database, "fails", "0", "-", "-", "-", "0", clean(e.getMessage())));
            }
            return 1;
        } finally {
            groups.forEach(group -> group.source().close());
        }
    }

    private static int many(Options o) throws InterruptedException {
        Properties props = credentials(o);
        props.putAll(o.pairs("props"));
        String figure = o.get("figure", "many");
        ConnectionRing ring;
        long openStart = System.nanoTime();
        try {
            ring = ConnectionRing.open(o.get("url"), props, o.integer("connections", 2000), o.integer("openers", 8));
        } catch (java.sql.SQLException e) {
            System.out.println(String.join("\t", figure, "fails", "0", "-", "-", "-", "0", clean(e.getMessage())));
            return 1;
        }
        System.err.printf(Locale.ROOT, "many: %d connections open after %.1f s%n", ring.size(),
                (System.nanoTime() - openStart) / 1e9);
        try (ring) {
            ClientGroup group = new ClientGroup(figure, ring, o.integer("busy", 50),
                    Templates.selectOnly(o.integer("scale", 1)));
            GroupResult result = new LoadGenerator(Duration.ofSeconds(o.integer("warmup", 3)),
                    Duration.ofSeconds(o.integer("duration", 10))).run(List.of(group)).get(0);
            System.out.println(line(figure, result));
        }
        return 0;
    }

    private static int idle(Options o) throws Exception {
        Properties props = credentials(o);
        return IdleConnections.hold(o.get("url"), props, o.integer("connections", 1000), o.integer("openers", 4),
                System.in, System.out, System.err);
    }

    private static int report(Options o) throws Exception {
        List<Run> runs = Run.read(Path.of(o.get("results")));
        if (runs.isEmpty()) {
            System.err.println("report: no measurements in " + o.get("results"));
            return 1;
        }
        String header = Files.readString(Path.of(o.get("header")));
        new MarkdownReport(runs).write(header, Path.of(o.get("out")), Path.of(o.get("chart")), o.get("title", "pgwarden bench"));
        return 0;
    }

    private static int fairness(Options o) throws Exception {
        System.out.print(io.pgwarden.bench.report.FairnessSummary.read(Path.of(o.get("results")), Path.of(o.get("servers")))
                .markdown());
        return 0;
    }

    private static int flame(Options o) throws Exception {
        io.pgwarden.bench.report.FlameGraph.fromFolded(Path.of(o.get("folded")), o.get("title", "pgwarden flame graph"))
                .write(Path.of(o.get("out")));
        return 0;
    }

    private static Properties credentials(Options o) {
        Properties props = new Properties();
        props.setProperty("user", o.get("user"));
        props.setProperty("password", o.get("password"));
        // a login the server never answers (e.g. a proxy out of file descriptors) must not hang the run
        props.setProperty("loginTimeout", "60");
        return props;
    }

    private static String line(String figure, GroupResult r) {
        String status = r.transactions() == 0 ? "fails" : r.errors() > 0 ? "errors" : "ok";
        return String.join("\t", figure, status,
                String.format(Locale.ROOT, "%.1f", r.tps()),
                String.format(Locale.ROOT, "%.3f", r.meanMillis()),
                String.format(Locale.ROOT, "%.3f", r.latencyMillis(50)),
                String.format(Locale.ROOT, "%.3f", r.latencyMillis(99)),
                Long.toString(r.errors()),
                r.firstErrors().isEmpty() ? "" : clean(r.firstErrors().get(0)));
    }

    private static String clean(String message) {
        return String.valueOf(message).replaceAll("[\\t\\r\\n]+", " ");
    }
}
