package io.pgwarden.frontend;

import io.pgwarden.TestPlatform;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pgbench (libpq, a real client) through pgwarden in transaction mode with simple, extended and
 * prepared statements: every transaction completes, none fails. Skipped when pgbench is not installed
 * (Debian: postgresql-client).
 */
class PgbenchIT {

    private static TestPlatform platform;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(pgbenchInstalled(), "skipped: pgbench is not installed (apt-get install postgresql-client)");
        platform = TestPlatform.start();
        Result init = pgbench("orders", "-i", "-s", "1", "-q");
        assertEquals(0, init.exitCode(), init.output());
    }

    @AfterAll
    static void stop() {
        if (platform != null) {
            platform.close();
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "simple, -S",
            "extended, -S",
            "prepared, -S",
            "prepared, -N",
            "extended, -N"})
    void pgbenchCompletesWithZeroFailuresInTransactionMode(String protocol, String script) throws Exception {
        // one thread per client: pgbench 15 prepares with a blocking PQprepare inside the transaction,
        // which stalls every other client of its thread, including ones holding a server
        Result run = pgbench("orders_tx", "-M", protocol, script, "-c", "16", "-j", "16", "-t", "150", "-n");
        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("number of transactions actually processed: 2400/2400"), run.output());
        assertTrue(run.output().contains("number of failed transactions: 0"), run.output());
    }

    private record Result(int exitCode, String output) {
    }

    private static Result pgbench(String database, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("pgbench", "-h", "127.0.0.1", "-p",
                String.valueOf(platform.pgwarden().port()), "-U", "orders-service"));
        command.addAll(List.of(args));
        command.add(database);
        Path log = Files.createTempFile("pgbench", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("PGPASSWORD", TestPlatform.PASSWORDS.get("orders-service"));
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return new Result(-1, "timed out: " + Files.readString(log, StandardCharsets.UTF_8));
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        Files.delete(log);
        return new Result(process.exitValue(), output);
    }

    private static boolean pgbenchInstalled() {
        try {
            return new ProcessBuilder("pgbench", "--version").start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
