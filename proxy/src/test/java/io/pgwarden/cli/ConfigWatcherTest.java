package io.pgwarden.cli;

import io.pgwarden.Eventually;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigWatcherTest {

    @TempDir
    Path dir;

    @Test
    void aChangedOrReplacedFileReloads() throws Exception {
        Path file = dir.resolve("pgwarden.yaml");
        Files.writeString(file, "first");
        AtomicInteger reloads = new AtomicInteger();
        AtomicBoolean watch = new AtomicBoolean(true);
        try (ConfigWatcher watcher = new ConfigWatcher(file, watch::get, reloads::incrementAndGet)) {
            Files.writeString(file, "second, longer");
            Eventually.await("a reload after the write", reloads::get, n -> n == 1);

            Path replacement = dir.resolve("next.yaml");
            Files.writeString(replacement, "replaced by a rename, as Kubernetes does");
            Files.move(replacement, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Eventually.await("a reload after the rename", reloads::get, n -> n == 2);

        }
    }
}
