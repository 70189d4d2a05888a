package io.pgwarden.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code pgwarden demo} as a separate JVM, as a user would: {@code java -jar
 * proxy/target/pgwarden-demo.jar demo} (what {@code ./pgwarden demo} runs) from a checkout, on free ports.
 * Then connects with every printed JDBC URL and sends SIGTERM (what Ctrl-C amounts to: the
 * shutdown hooks run), and checks the embedded PostgreSQL is gone too.
 */
class DemoCommandIT {

    private static final Duration STARTUP = Duration.ofSeconds(120);

    @TempDir
    Path dataDirectory;

    private Process demo;

    @AfterEach
    void killLeftovers() {
        if (demo != null && demo.isAlive()) {
            demo.destroyForcibly();
        }
    }

    @Test
    void printedUrlsConnectAndSigtermStopsEverything() throws Exception {
        demo = new ProcessBuilder(demoCommand("--port", "0", "--pg-port", "0", "--data-dir", dataDirectory.toString()))
                .directory(checkout().toFile())
                .redirectError(dataDirectory.resolve("demo.stderr").toFile())
                .start();
        List<String> printed = welcome(demo);

        List<String> jdbcUrls = printed.stream().map(String::strip).filter(l -> l.startsWith("jdbc:")).toList();
        assertEquals(8, jdbcUrls.size(), String.join("\n", printed)); // reporting-service has two
        for (String url : jdbcUrls) {
            assertTrue(currentDatabase(url).endsWith("_db"), url);
        }
        String orders = jdbcUrls.stream().filter(url -> url.contains("user=orders-service")).findFirst().orElseThrow();
        assertEquals("orders_db", currentDatabase(orders));
        if (psqlInstalled()) {
            String psql = printed.stream().map(String::strip).filter(l -> l.contains("orders-service:")).findFirst()
                    .orElseThrow();
            assertEquals("orders_db", run(psql + " -tAc 'SELECT current_database()'"));
        }

        long postmaster = postmasterPid(dataDirectory.resolve("main"));
        demo.destroy(); // SIGTERM

        assertTrue(demo.waitFor(60, TimeUnit.SECONDS), "demo did not stop");
        assertTrue(exitsWithin(postmaster, Duration.ofSeconds(10)), "postmaster " + postmaster + " left behind");
        assertFalse(Files.exists(dataDirectory.resolve("main").resolve("postmaster.pid")));
        assertTrue(Files.isRegularFile(dataDirectory.resolve("main").resolve("PG_VERSION")), "data was kept");
    }

    /**
     * {@code --databases 5}: five services, each logs in to its own database (and only to it), on a
     * PostgreSQL provisioned with the five; SIGTERM stops both.
     */
    @Test
    void generatedPlatformGivesEachServiceItsOwnDatabase() throws Exception {
        demo = new ProcessBuilder(demoCommand("--databases", "5", "--port", "0", "--pg-port", "0",
                "--data-dir", dataDirectory.toString()))
                .directory(checkout().toFile())
                .redirectError(dataDirectory.resolve("demo.stderr").toFile())
                .start();
        List<String> printed = welcome(demo);

        List<String> jdbcUrls = printed.stream().map(String::strip).filter(l -> l.startsWith("jdbc:")).toList();
        assertEquals(5, jdbcUrls.size(), String.join("\n", printed));
        assertTrue(printed.stream().anyMatch(l -> l.startsWith("PostgreSQL " + io.pgwarden.TestPlatform.postgresMajor() + ".")),
                "the demo runs on the major the tests run on:\n" + String.join("\n", printed));
        assertEquals(5, printed.stream().filter(l -> l.matches("provisioned main: created database app0[1-5]_db owned by app0[1-5]_owner")).count(),
                String.join("\n", printed));
        for (int i = 1; i <= 5; i++) {
            String app = "app0" + i;
            String url = jdbcUrls.stream().filter(u -> u.contains("/" + app + "?user=" + app + "-service&")).findFirst()
                    .orElseThrow(() -> new AssertionError("no URL for " + app + " in\n" + String.join("\n", jdbcUrls)));
            assertEquals(app + "_db", currentDatabase(url));
        }
        String intruder = jdbcUrls.get(0).replace("/app01?", "/app02?");
        SQLException refused = assertThrows(SQLException.class, () -> currentDatabase(intruder));
        assertEquals("42501", refused.getSQLState(), refused.getMessage());

        long postmaster = postmasterPid(dataDirectory.resolve("main"));
        demo.destroy(); // SIGTERM
        assertTrue(demo.waitFor(60, TimeUnit.SECONDS), "demo did not stop");
        assertTrue(exitsWithin(postmaster, Duration.ofSeconds(10)), "postmaster " + postmaster + " left behind");
    }

    /** The lines printed up to the Ctrl-C hint, which comes last, once everything is up. */
    private List<String> welcome(Process process) throws Exception {
        CompletableFuture<List<String>> lines = CompletableFuture.supplyAsync(() -> {
            List<String> read = new ArrayList<>();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            try {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    read.add(line);
                    if (line.contains("Ctrl-C")) {
                        return read;
                    }
                }
            } catch (IOException e) {
                read.add(e.toString());
            }
            throw new AssertionError("demo ended before it was ready:\n" + String.join("\n", read) + "\n" + stderr());
        });
        try {
            return lines.get(STARTUP.toSeconds(), TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("demo not ready within " + STARTUP + "\n" + stderr(), e);
        }
    }

    private String stderr() {
        try {
            return Files.readString(dataDirectory.resolve("demo.stderr"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static String currentDatabase(String jdbcUrl) throws SQLException {
        try (Connection connection = DriverManager.getConnection(jdbcUrl);
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT current_database()")) {
            rows.next();
            return rows.getString(1);
        }
    }

    private static long postmasterPid(Path data) throws IOException {
        return Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).strip());
    }

    private static boolean exitsWithin(long pid, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    private static boolean psqlInstalled() throws Exception {
        return new ProcessBuilder("sh", "-c", "command -v psql").start().waitFor() == 0;
    }

    private static String run(String shellCommand) throws Exception {
        Process process = new ProcessBuilder("sh", "-c", shellCommand).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, process.waitFor(), output);
        return output;
    }

    /**
     * {@code java -jar proxy/target/pgwarden-demo.jar demo ARGS} (what {@code ./pgwarden demo} runs) in a JVM
     * of its own, on the PostgreSQL binaries these tests run on ({@code pgwarden.postgres.binaries} passed on).
     */
    static List<String> demoCommand(String... args) {
        Path demoJar = checkout().resolve(PackagedJarsIT.DEMO_JAR);
        assertTrue(Files.isRegularFile(demoJar), "no " + demoJar + ": run through ./mvnw verify (package comes first)");
        List<String> command = new ArrayList<>(List.of(javaBinary()));
        String binaries = System.getProperty(io.pgwarden.embedded.PostgresBinaries.PROPERTY, "");
        if (!binaries.isBlank()) {
            command.add("-D" + io.pgwarden.embedded.PostgresBinaries.PROPERTY + "=" + binaries);
        }
        command.addAll(List.of("-jar", demoJar.toString(), "demo"));
        command.addAll(List.of(args));
        return command;
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The demo resolves config/examples/demo.yaml from its working directory: run it from the checkout. */
    static Path checkout() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(DemoConfigFile.IN_SOURCE_TREE))) {
                return dir;
            }
        }
        throw new AssertionError("no " + DemoConfigFile.IN_SOURCE_TREE + " above " + Path.of("").toAbsolutePath());
    }
}
