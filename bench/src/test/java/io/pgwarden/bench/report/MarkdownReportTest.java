package io.pgwarden.bench.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MarkdownReportTest {

    private static Run run(String setup, int round, double tps, double mean, double p50, double p99, String status) {
        return new Run("tls-throughput", setup, round, 1.0, "transaction / -M simple / 10 clients", status, tps, mean, p50,
                p99, 0, status.equals("ok") ? "" : "exit 2: boom");
    }

    @Test
    void medianTpsRatiosAndLatencyMediansPerSetup(@TempDir Path dir) throws IOException {
        List<Run> runs = List.of(
                run("direct", 1, 1000, 0.10, 0.09, 0.30, "ok"), run("pgbouncer", 1, 500, 0.20, 0.19, 0.50, "ok"),
                run("pgwarden", 1, 400, 0.25, 0.20, 0.90, "ok"),
                run("direct", 2, 1200, 0.12, 0.11, 0.34, "ok"), run("pgbouncer", 2, 600, 0.22, 0.21, 0.54, "fails"),
                run("pgwarden", 2, 600, 0.27, 0.24, 0.70, "ok"),
                run("direct", 3, 1100, 0.11, 0.10, 0.32, "ok"), run("pgbouncer", 3, 550, 0.21, 0.20, 0.52, "ok"),
                run("pgwarden", 3, 500, 0.26, 0.22, 0.80, "ok"));
        Path md = dir.resolve("r.md");
        new MarkdownReport(runs).write("# header", md, dir.resolve("r.png"), "title");
        String text = Files.readString(md);
        assertTrue(text.contains("| **1,100** (1,000–1,200) | fails [1] | **500** (400–600) | 0.45 | – |"), text);
        assertTrue(text.contains("| transaction / -M simple / 10 clients | 0.11 / 0.10 / 0.32 | – | 0.26 / 0.22 / 0.80 |"), text);
        assertTrue(Files.size(dir.resolve("r.png")) > 0);
    }
}
