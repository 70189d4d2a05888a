package io.pgwarden.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code bench/run.sh --smoke}: PostgreSQL, PgBouncer and pgwarden started, a couple of seconds of
 * pgbench through each, a report with a chart. Uses the jars this build just made, so the script
 * does not start Maven again. The benchmarks themselves never run in the build.
 */
class SmokeIT {

    private static final long TIMEOUT_SECONDS = 90;

    @Test
    void smokeRunSucceeds() throws IOException, InterruptedException {
        Path bench = Path.of("").toAbsolutePath();
        Path proxyJar = bench.resolveSibling("proxy").resolve("target/pgwarden.jar");
        Path postgresJar = bench.resolveSibling("proxy").resolve("target/pgwarden-demo.jar");
        Path benchJar = bench.resolve("target/pgwarden-bench.jar");
        assumeTrue(onPath("pgbench"), "skipped: pgbench is not installed (apt-get install postgresql-client)");
        assumeTrue(onPath("pgbouncer"), "skipped: pgbouncer is not installed (apt-get install pgbouncer)");
        assumeTrue("root".equals(System.getProperty("user.name")),
                "skipped: bench/run.sh must run as root (it starts PostgreSQL and PgBouncer as user postgres)");
        assumeTrue(Files.isRegularFile(proxyJar) && Files.isRegularFile(postgresJar) && Files.isRegularFile(benchJar),
                "skipped: " + proxyJar + ", " + postgresJar + " or " + benchJar + " is missing (run through ./mvnw verify)");

        Path log = Files.createTempFile("bench-smoke-", ".log");
        ProcessBuilder builder = new ProcessBuilder("bash", bench.resolve("run.sh").toString(), "--smoke")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("PGWARDEN_JAR", proxyJar.toString());
        builder.environment().put("POSTGRES_JAR", postgresJar.toString());
        builder.environment().put("BENCH_JAR", benchJar.toString());
        builder.environment().put("PGWARDEN_BUILT_FROM", "this build");
        Process process = builder.start();
        process.getOutputStream().close();
        boolean finished = process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!finished) {
            // the script's own trap stops what it started: SIGTERM, then wait for it
            process.destroy();
            process.waitFor(20, TimeUnit.SECONDS);
            process.destroyForcibly();
        }
        String output = Files.readString(log);
        Files.deleteIfExists(log);
        assertEquals(true, finished, "bench/run.sh --smoke did not finish within " + TIMEOUT_SECONDS + " s:\n" + output);
        assertEquals(0, process.exitValue(), "bench/run.sh --smoke failed:\n" + output);
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "");
        return List.of(path.split(":")).stream().anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }
}
