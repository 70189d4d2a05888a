package io.pgwarden.bench.load;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A fixed set of open client connections used in turn (FIFO): with N connections and M busy
 * clients, every connection is used, at most M at a time, each idle most of the time. That is
 * the shape of many service instances each holding a few connections.
 */
public final class ConnectionRing implements ConnectionSource {

    private final List<Connection> all;
    private final BlockingQueue<Connection> idle;

    private ConnectionRing(List<Connection> all) {
        this.all = all;
        this.idle = new ArrayBlockingQueue<>(all.size(), true, all);
    }

    /** Opens {@code count} connections with {@code openers} threads; fails if any fails. */
    public static ConnectionRing open(String jdbcUrl, Properties props, int count, int openers)
            throws SQLException, InterruptedException {
        List<Connection> opened = openAll(jdbcUrl, props, count, openers);
        return new ConnectionRing(opened);
    }

    static List<Connection> openAll(String jdbcUrl, Properties props, int count, int openers)
            throws SQLException, InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(openers);
        List<Future<Connection>> futures = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            futures.add(pool.submit(() -> DriverManager.getConnection(jdbcUrl, props)));
        }
        pool.shutdown();
        List<Connection> opened = new ArrayList<>(count);
        SQLException failure = null;
        for (Future<Connection> future : futures) {
            try {
                opened.add(future.get());
            } catch (java.util.concurrent.ExecutionException e) {
                if (failure == null) {
                    failure = new SQLException("could not open connection " + (opened.size() + 1) + " of " + count
                            + ": " + e.getCause().getMessage(), e.getCause());
                }
            }
        }
        pool.awaitTermination(1, TimeUnit.MINUTES);
        if (failure != null) {
            closeAll(opened);
            throw failure;
        }
        return opened;
    }

    public int size() {
        return all.size();
    }

    @Override
    public Connection acquire() throws InterruptedException {
        return idle.take();
    }

    @Override
    public void release(Connection connection) {
        idle.add(connection);
    }

    @Override
    public void close() {
        closeAll(all);
    }

    static void closeAll(List<Connection> connections) {
        for (Connection connection : connections) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
    }
}
