package io.pgwarden.metrics;

import io.pgwarden.config.BackendConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.postgresql.ds.PGSimpleDataSource;

/** Opens the instance sampler's admin connection to a backend. Tests may substitute their own. */
@FunctionalInterface
public interface SamplerConnector {

    Connection connect(BackendConfig backend) throws SQLException;

    /**
     * pgjdbc as {@code admin_user} on {@code admin_database}, with connect, login and socket
     * timeouts of {@code timeout} (at least a second): a hung backend must not stall the one
     * sampler thread that serves every backend.
     */
    static SamplerConnector pgjdbc(Duration timeout) {
        int seconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (timeout.toMillis() + 999) / 1000));
        return backend -> {
            PGSimpleDataSource dataSource = new PGSimpleDataSource();
            dataSource.setServerNames(new String[] {backend.host()});
            dataSource.setPortNumbers(new int[] {backend.port()});
            dataSource.setDatabaseName(backend.adminDatabase());
            dataSource.setUser(backend.adminUser());
            if (backend.adminPassword() != null && !backend.adminPassword().isEmpty()) {
                dataSource.setPassword(backend.adminPassword());
            }
            dataSource.setApplicationName("pgwarden sampler");
            dataSource.setConnectTimeout(seconds);
            dataSource.setLoginTimeout(seconds);
            dataSource.setSocketTimeout(seconds);
            return dataSource.getConnection();
        };
    }
}
