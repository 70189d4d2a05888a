package io.pgwarden.backend;

import io.pgwarden.config.BackendConfig;
import org.postgresql.ds.PGSimpleDataSource;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Opens an admin connection to a backend (provisioning, load sampling, reading the connection
 * budget) with pgjdbc, as {@code admin_user}/{@code admin_password} on {@code admin_database}.
 * Client traffic never uses these. Tests may substitute their own.
 */
@FunctionalInterface
public interface AdminConnector {

    Connection connect(BackendConfig backend) throws SQLException;

    /**
     * @param applicationName what pg_stat_activity shows for the connection
     * @param timeout         connect, login and socket timeouts (at least a second): a hung backend
     *                        must not stall the caller
     */
    static AdminConnector pgjdbc(String applicationName, Duration timeout) {
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
            dataSource.setApplicationName(applicationName);
            dataSource.setConnectTimeout(seconds);
            dataSource.setLoginTimeout(seconds);
            dataSource.setSocketTimeout(seconds);
            return dataSource.getConnection();
        };
    }
}
