package io.pgwarden.frontend;

import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * pg_dump and pg_restore through a transaction-mode database, several times in a row (issue 11,
 * item 7): pg_dump 17 runs SQL-level {@code PREPARE dumpFunc(...)}, which without pinning stays on
 * the pooled server, so the next pg_dump there fails with {@code prepared statement "dumpfunc"
 * already exists}. Needs pg_dump and pg_restore 17 or newer: the embedded PostgreSQL bundles only
 * initdb, pg_ctl and postgres, and Debian 12's pg_dump 15 refuses a 17 server. Looked for in
 * {@code $PG17_BIN}, /usr/lib/postgresql/{17,18}/bin and the PATH; skipped with a message otherwise.
 * The same leftover is also proven without pg_dump by PinningIT.
 */
@EnabledIf(value = "clientsFound", disabledReason = "skipped: no pg_dump/pg_restore 17 or newer (set PG17_BIN to their"
        + " directory; the embedded PostgreSQL 17 has no client binaries and the system's pg_dump is older)")
@WithPlatform
class PgDumpIT {

    private static TestPlatform platform;
    private static Path bin;

    /** Decided before the platform starts: without the clients there is nothing to run. */
    static boolean clientsFound() {
        return clientBinaries().isPresent();
    }

    @BeforeAll
    static void createObjects() throws Exception {
        bin = clientBinaries().orElseThrow();
        try (Connection c = platform.connect("orders-service", "orders"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS dumped (id int PRIMARY KEY, note text)");
            st.execute("INSERT INTO dumped SELECT g, 'row ' || g FROM generate_series(1, 1000) g ON CONFLICT DO NOTHING");
            st.execute("CREATE TABLE IF NOT EXISTS dumped_too (id int PRIMARY KEY)");
            st.execute("CREATE OR REPLACE FUNCTION dumped_twice(x int) RETURNS int LANGUAGE sql AS 'SELECT x * 2'");
            st.execute("CREATE OR REPLACE FUNCTION dumped_thrice(x int) RETURNS int LANGUAGE sql AS 'SELECT x * 3'");
        }
    }

    @Test
    void parallelDumpsAndRestoresRunOneAfterAnotherThroughTransactionMode() throws Exception {
        for (int round = 0; round < 3; round++) {
            Path dir = Files.createTempDirectory("pgwarden-dump").resolve("dump");
            try {
                Run dump = run(bin.resolve("pg_dump").toString(), "-Fd", "-j", "2", "-f", dir.toString());
                assertEquals(0, dump.exit(), "pg_dump round " + round + ": " + dump.output());
                Run restore = run(bin.resolve("pg_restore").toString(), "--clean", "--if-exists", "-j", "2", "-d", "orders_tx", dir.toString());
                assertEquals(0, restore.exit(), "pg_restore round " + round + ": " + restore.output());
            } finally {
                try (Stream<Path> files = Files.walk(dir.getParent())) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    private record Run(int exit, String output) {
    }

    private static Run run(String program, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(program, "-h", "127.0.0.1", "-p", String.valueOf(platform.pgwarden().port()),
                "-U", "orders-service"));
        command.addAll(List.of(args));
        if (program.endsWith("pg_dump")) {
            command.add("orders_tx");
        }
        Path log = Files.createTempFile("pgwarden-dump", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("PGPASSWORD", TestPlatform.PASSWORDS.get("orders-service"));
        Process process = builder.start();
        boolean done = process.waitFor(120, TimeUnit.SECONDS);
        if (!done) {
            process.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        Files.delete(log);
        return new Run(done ? process.exitValue() : -1, output);
    }

    /** A directory with pg_dump and pg_restore of major version 17 or newer. */
    private static Optional<Path> clientBinaries() {
        List<Path> candidates = new ArrayList<>();
        String env = System.getenv("PG17_BIN");
        if (env != null && !env.isBlank()) {
            candidates.add(Path.of(env));
        }
        candidates.add(Path.of("/usr/lib/postgresql/18/bin"));
        candidates.add(Path.of("/usr/lib/postgresql/17/bin"));
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isBlank()) {
                candidates.add(Path.of(dir));
            }
        }
        return candidates.stream().filter(dir -> Files.isExecutable(dir.resolve("pg_restore")) && majorVersion(dir.resolve("pg_dump")) >= 17)
                .findFirst();
    }

    private static int majorVersion(Path pgDump) {
        if (!Files.isExecutable(pgDump)) {
            return 0;
        }
        try {
            Process process = new ProcessBuilder(pgDump.toString(), "--version").redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor(10, TimeUnit.SECONDS);
            Matcher version = Pattern.compile("\\(PostgreSQL\\) (\\d+)").matcher(output);
            return version.find() ? Integer.parseInt(version.group(1)) : 0;
        } catch (IOException | InterruptedException e) {
            return 0;
        }
    }
}
