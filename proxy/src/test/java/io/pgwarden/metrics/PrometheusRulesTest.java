package io.pgwarden.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker/: the alert rules pass their promtool unit tests (when promtool is installed, else the
 * tests that need it are skipped and say so), the dashboard is JSON with a database variable and a
 * row per concern, and both use only the metric names of the contract.
 */
class PrometheusRulesTest {

    private static final Pattern METRIC = Pattern.compile("pgwarden_[a-z_]+");
    private static final List<String> HISTOGRAM_SUFFIXES = List.of("_bucket", "_count", "_sum");

    /** The proxy module's directory is the working directory under Maven; the IDE may run from the root. */
    private static Path docker() {
        Path cwd = Path.of("").toAbsolutePath();
        Path docker = Files.isDirectory(cwd.resolve("docker")) ? cwd.resolve("docker") : cwd.resolveSibling("docker");
        assertTrue(Files.isDirectory(docker), "no docker/ next to " + cwd);
        return docker;
    }

    private static String read(String relative) throws IOException {
        return Files.readString(docker().resolve(relative));
    }

    private static boolean promtoolInstalled() {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, "promtool")));
    }

    private record Run(int exitCode, String output) {
    }

    private static Run run(Path directory, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish:\n" + output);
        }
        return new Run(process.exitValue(), output);
    }

    @Test
    void alertRulesPassTheirPromtoolUnitTests() throws Exception {
        Assumptions.assumeTrue(promtoolInstalled(), "skipped: promtool not installed (Debian: apt-get install prometheus)");

        Run run = run(docker().resolve("prometheus"), "bash", "test-rules.sh");

        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("Unit Testing:  alerts.test.yml\n  SUCCESS"), run.output());
        assertTrue(run.output().contains("SUCCESS: 12 rules found"), run.output());
        assertTrue(run.output().contains("prometheus.yml is valid prometheus config file syntax"), run.output());
    }

    @Test
    void everyAlertHasAUnitTest() throws IOException {
        Set<String> alerts = matches(Pattern.compile("- alert: (\\w+)"), read("prometheus/alerts.yml"));
        Set<String> tested = matches(Pattern.compile("alertname: (\\w+)"), read("prometheus/alerts.test.yml"));

        assertEquals(Set.of("PgwardenPoolSaturated", "PgwardenClientsWaiting", "PgwardenClientWaitTimeouts",
                "PgwardenInstanceNearConnectionLimit", "PgwardenBackendDown", "PgwardenAuthFailureSpike",
                "PgwardenAccessDenied", "PgwardenInstanceBudgetExhausted", "PgwardenIsolationFindings",
                "PgwardenPoolMostlyPinned", "PgwardenConfigReloadFailed", "PgwardenDatabaseMoveForced"), alerts);
        assertEquals(alerts, tested);
    }

    @Test
    void dashboardIsJsonWithADatabaseVariableAndARowPerConcern() throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> dashboard = (Map<String, Object>) MiniJson.parse(read("grafana/pgwarden.json"));

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> variables = (List<Map<String, Object>>) ((Map<String, Object>) dashboard.get("templating")).get("list");
        Map<String, Object> database = variables.stream().filter(v -> "database".equals(v.get("name"))).findFirst().orElseThrow();
        assertEquals("label_values(pgwarden_pool_size, database)", database.get("definition"));
        assertEquals(Boolean.TRUE, database.get("includeAll"));

        List<Map<String, Object>> panels = panels(dashboard);
        assertEquals(List.of("Saturation", "Waits", "Throughput", "Latency", "Instance connections", "Security"),
                panels.stream().filter(p -> "row".equals(p.get("type"))).map(p -> p.get("title")).toList());
        for (Map<String, Object> panel : panels) {
            if (!"row".equals(panel.get("type"))) {
                assertTrue(!expressions(panel).isEmpty(), "panel without a query: " + panel.get("title"));
            }
        }
        long databaseFiltered = panels.stream().flatMap(p -> expressions(p).stream())
                .filter(e -> e.contains("database=~\"$database\"")).count();
        assertTrue(databaseFiltered >= 10, "the database variable filters the per-database panels");
    }

    @Test
    void dashboardQueriesAreValidPromQl(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(promtoolInstalled(), "skipped: promtool not installed (Debian: apt-get install prometheus)");
        @SuppressWarnings("unchecked")
        Map<String, Object> dashboard = (Map<String, Object>) MiniJson.parse(read("grafana/pgwarden.json"));
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        int i = 0;
        for (Map<String, Object> panel : panels(dashboard)) {
            for (String expr : expressions(panel)) {
                String promql = expr.replace("$__rate_interval", "5m").replace("$database", ".*").replace("$backend", ".*");
                rules.append("      - record: dashboard_query_").append(i++).append("\n        expr: '")
                        .append(promql.replace("'", "''")).append("'\n");
            }
        }
        Files.writeString(dir.resolve("dashboard-queries.yml"), rules);

        Run run = run(dir, "promtool", "check", "rules", "dashboard-queries.yml");

        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("SUCCESS: " + i + " rules found"), run.output());
    }

    @Test
    void alertsAndDashboardUseOnlyTheContractsMetricNames() throws IOException {
        Set<String> contract = Arrays.stream(PgwardenMeter.values()).map(PgwardenMeter::prometheusName)
                .collect(Collectors.toSet());
        Set<String> used = new LinkedHashSet<>();
        used.addAll(matches(METRIC, read("prometheus/alerts.yml")));
        used.addAll(matches(METRIC, read("grafana/pgwarden.json")));

        List<String> unknown = new ArrayList<>();
        for (String name : used) {
            boolean known = contract.contains(name)
                    || HISTOGRAM_SUFFIXES.stream().anyMatch(s -> name.endsWith(s) && contract.contains(name.substring(0, name.length() - s.length())));
            if (!known) {
                unknown.add(name);
            }
        }
        assertEquals(List.of(), unknown);
        assertTrue(used.size() >= 20, "the dashboard covers the contract: " + used);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> panels(Map<String, Object> dashboard) {
        return (List<Map<String, Object>>) dashboard.get("panels");
    }

    @SuppressWarnings("unchecked")
    private static List<String> expressions(Map<String, Object> panel) {
        List<Map<String, Object>> targets = (List<Map<String, Object>>) panel.getOrDefault("targets", List.of());
        return targets.stream().map(t -> (String) t.get("expr")).toList();
    }

    private static Set<String> matches(Pattern pattern, String text) {
        Set<String> found = new LinkedHashSet<>();
        Matcher matcher = pattern.matcher(text);
        while (matcher.find()) {
            found.add(matcher.groupCount() > 0 ? matcher.group(1) : matcher.group());
        }
        return found;
    }
}
