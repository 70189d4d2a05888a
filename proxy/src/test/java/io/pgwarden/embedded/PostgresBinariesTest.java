package io.pgwarden.embedded;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresBinariesTest {

    @TempDir
    Path directory;

    @Test
    void readsThePlatformsArchiveOutOfAZonkyJarAsZonkyAsksForIt() throws IOException {
        Path jar = jar("postgres-linux-x86_64.txz", "the 16 binaries");
        PgBinaryResolver resolver = PostgresBinaries.fromJar(jar);

        try (InputStream binaries = resolver.getPgBinary("Linux", "x86_64")) {
            assertArrayEquals("the 16 binaries".getBytes(StandardCharsets.UTF_8), binaries.readAllBytes());
        }
        // closed with the stream: the jar can be removed (and is not held open per start)
        Files.delete(jar);
    }

    @Test
    void aJarForAnotherPlatformOrNoJarIsAnErrorThatSaysWhich() throws IOException {
        Path jar = jar("postgres-darwin-x86_64.txz", "mac");

        IOException wrongPlatform = assertThrows(IOException.class,
                () -> PostgresBinaries.fromJar(jar).getPgBinary("Linux", "x86_64"));
        assertTrue(wrongPlatform.getMessage().contains("has no postgres-linux-x86_64.txz"), wrongPlatform.getMessage());
        Files.delete(jar); // closed after the failure too

        IOException missing = assertThrows(IOException.class,
                () -> PostgresBinaries.fromJar(directory.resolve("nope.jar")).getPgBinary("Linux", "x86_64"));
        assertTrue(missing.getMessage().contains("pgwarden.postgres.binaries: no such file"), missing.getMessage());
    }

    private Path jar(String entry, String content) throws IOException {
        Path jar = directory.resolve("binaries.jar");
        try (OutputStream file = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(file)) {
            zip.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            zip.write("Manifest-Version: 1.0\n".getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry(entry));
            zip.write(content.getBytes(StandardCharsets.UTF_8));
        }
        return jar;
    }
}
