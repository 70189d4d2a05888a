package io.pgwarden.bench.idle;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens many client connections (each logged in, then left idle) and holds them until its
 * standard input closes, so that a script can measure the proxy's memory in between. Prints
 * {@code READY <opened> <failed> <first error>} on stdout once every attempt has finished.
 */
public final class IdleConnections {

    private IdleConnections() {
    }

    public static int hold(String jdbcUrl, Properties props, int count, int openers, InputStream stdin,
                           PrintStream out, PrintStream log) throws InterruptedException, IOException {
        List<Connection> opened = Collections.synchronizedList(new ArrayList<>(count));
        AtomicInteger failed = new AtomicInteger();
        List<String> firstError = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(openers);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            pool.execute(() -> {
                try {
                    opened.add(DriverManager.getConnection(jdbcUrl, props));
                } catch (SQLException e) {
                    failed.incrementAndGet();
                    if (firstError.isEmpty()) {
                        firstError.add(String.valueOf(e.getMessage()).replaceAll("\\s+", " "));
                    }
                }
                int done = opened.size() + failed.get();
                if (done % 1000 == 0) {
                    log.printf("idle: %d of %d attempted (%d failed) after %.1f s%n", done, count, failed.get(),
                            (System.nanoTime() - start) / 1e9);
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(30, TimeUnit.MINUTES);
        out.printf("READY %d %d %s%n", opened.size(), failed.get(), firstError.isEmpty() ? "-" : firstError.get(0));
        out.flush();
        // hold until the script closes our stdin (or kills us)
        while (stdin.read() >= 0) {
            // discard
        }
        for (Connection connection : opened) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
        return failed.get() == 0 ? 0 : 1;
    }
}
