package io.pgwarden.embedded;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A freshly initialised cluster, made once per JVM and per set of binaries, that throwaway servers
 * start from by copying it instead of running initdb: initdb is most of a start (about 0.8 s of
 * 0.9 s here), and the tests start well over a hundred servers. Copies share the template's system
 * identifier, which nothing here relies on (no physical replication between them).
 *
 * <p>Static because it caches files, not state: like zonky's own extracted binaries, it lives as long
 * as the JVM and is removed when it exits.
 */
final class ClusterTemplate {

    /** Keyed by the binaries that made each: a 15 server must never start on a 17 template. */
    private static final Map<PostgresBinaries, Path> TEMPLATES = new ConcurrentHashMap<>();

    private ClusterTemplate() {
    }

    /** Fills the empty directory {@code data} with a copy of the template made by {@code binaries}. */
    static void copyInto(Path data, PostgresBinaries binaries) throws IOException {
        copyTree(templateFor(binaries), data);
    }

    private static synchronized Path templateFor(PostgresBinaries binaries) throws IOException {
        Path template = TEMPLATES.get(binaries);
        if (template != null) {
            return template;
        }
        Path root = Files.createTempDirectory("pgwarden-pg-template-");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> EmbeddedPostgresServer.deleteQuietly(root),
                "pgwarden-pg-template-cleanup"));
        Path data = root.resolve("data");
        // a kept directory: initdb, one start, a clean (fast) shutdown, and the files stay
        EmbeddedPostgresServer.start(0, data, Map.of(), binaries).close();
        TEMPLATES.put(binaries, data);
        return data;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                // COPY_ATTRIBUTES keeps the mode: PostgreSQL refuses a data directory others can read
                Files.copy(dir, to.resolve(from.relativize(dir).toString()), StandardCopyOption.COPY_ATTRIBUTES,
                        StandardCopyOption.REPLACE_EXISTING);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (!file.getFileName().toString().equals("postmaster.pid")) {
                    Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
