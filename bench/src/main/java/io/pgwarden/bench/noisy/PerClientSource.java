package io.pgwarden.bench.noisy;

import io.pgwarden.bench.load.ConnectionSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One connection per client thread, opened on first use and kept: what a client that holds its
 * own connection does (direct to PostgreSQL every client needs its own server connection). A
 * connection that cannot be opened (e.g. {@code 53300 too many clients}) is an error for that
 * transaction; the client tries again after {@code retryMillis}, like a pool's connect retry, and
 * keeps going. A connection found closed is replaced.
 */
public final class PerClientSource implements ConnectionSource {

    private final String url;
    private final Properties props;
    private final long retryMillis;
    private final ThreadLocal<Connection> own = new ThreadLocal<>();
    private final ThreadLocal<long[]> lastFailure = ThreadLocal.withInitial(() -> new long[] {0});
    private final List<Connection> all = new CopyOnWriteArrayList<>();
    private final AtomicLong connectFailures = new AtomicLong();

    public PerClientSource(String url, Properties props, long retryMillis) {
        this.url = url;
        this.props = props;
        this.retryMillis = retryMillis;
    }

    @Override
    public Connection acquire() throws SQLException, InterruptedException {
        Connection connection = own.get();
        if (connection != null && !connection.isClosed()) {
            return connection;
        }
        own.remove();
        long[] last = lastFailure.get();
        long wait = last[0] + retryMillis * 1_000_000L - System.nanoTime();
        if (last[0] != 0 && wait > 0) {
            Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
        }
        try {
            connection = DriverManager.getConnection(url, props);
        } catch (SQLException e) {
            last[0] = System.nanoTime();
            connectFailures.incrementAndGet();
            throw e;
        }
        all.add(connection);
        own.set(connection);
        return connection;
    }

    @Override
    public void release(Connection connection) {
        // kept by its thread
    }

    public long connectFailures() {
        return connectFailures.get();
    }

    public int opened() {
        return all.size();
    }

    @Override
    public void close() {
        for (Connection connection : all) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
    }
}
