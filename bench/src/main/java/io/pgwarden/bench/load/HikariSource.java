package io.pgwarden.bench.load;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;

/** A HikariCP pool with pgjdbc defaults (prepared statements after 5 uses) unless told otherwise. */
public final class HikariSource implements ConnectionSource {

    private final HikariDataSource dataSource;

    private HikariSource(HikariDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * @param jdbcUrl      e.g. {@code jdbc:postgresql://127.0.0.1:6432/orders}
     * @param poolSize     Hikari's maximumPoolSize (and minimumIdle: the pool is filled at start)
     * @param pgjdbcProps  extra driver properties, e.g. {@code prepareThreshold=0}; empty for defaults
     */
    public static HikariSource open(String name, String jdbcUrl, String user, String password, int poolSize,
                                    Map<String, String> pgjdbcProps) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("bench-" + name);
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(poolSize);
        config.setConnectionTimeout(30_000);
        Properties props = new Properties();
        props.putAll(pgjdbcProps);
        config.setDataSourceProperties(props);
        return new HikariSource(new HikariDataSource(config));
    }

    @Override
    public Connection acquire() throws SQLException {
        return dataSource.getConnection();
    }

    @Override
    public void release(Connection connection) throws SQLException {
        connection.close();
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
