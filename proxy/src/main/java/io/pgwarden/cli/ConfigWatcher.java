package io.pgwarden.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * {@code watch_config: true}: the file's modification time and size, looked at once a second; a
 * change reloads (as SIGHUP does). Polling, not inotify: it sees a file replaced by a rename
 * (Kubernetes' ConfigMap updates, editors) the same as one written in place.
 */
final class ConfigWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);
    static final long PERIOD_MILLIS = 1000;

    private record Stamp(FileTime modified, long size) {
    }

    private final Path file;
    private final BooleanSupplier enabled;
    private final Runnable reload;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "pgwarden-config-watch");
        thread.setDaemon(true);
        return thread;
    });
    private Stamp last;

    /**
     * @param enabled read at each look: watch_config of the config in force (a reload may turn it on or off)
     */
    ConfigWatcher(Path file, BooleanSupplier enabled, Runnable reload) {
        this.file = file;
        this.enabled = enabled;
        this.reload = reload;
        this.last = stamp();
        timer.scheduleWithFixedDelay(this::look, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void look() {
        Stamp now = stamp();
        if (now == null || now.equals(last)) {
            return; // missing for a moment (being replaced): the next look sees the new one
        }
        last = now;
        if (enabled.getAsBoolean()) {
            log.info("{} changed: reloading (watch_config)", file);
            try {
                reload.run();
            } catch (RuntimeException e) {
                log.error("reload after a change of {} failed: {}", file, e.toString());
            }
        }
    }

    private Stamp stamp() {
        try {
            return new Stamp(Files.getLastModifiedTime(file), Files.size(file));
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
