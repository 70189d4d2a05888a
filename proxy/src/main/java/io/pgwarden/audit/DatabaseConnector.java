package io.pgwarden.audit;

import io.pgwarden.backend.AdminConnector;
import io.pgwarden.config.BackendConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Opens the audit's connections as a backend's admin role: to {@code admin_database}, and to each
 * service database in turn (foreign servers, extensions and publications live in each database's
 * own catalog).
 */
@FunctionalInterface
public interface DatabaseConnector {

    /** @param database null for the backend's {@code admin_database} */
    Connection connect(BackendConfig backend, String database) throws SQLException;

    /** pgjdbc as {@link AdminConnector} sets it up, named {@value SessionFindings#APPLICATION_NAME}. */
    static DatabaseConnector pgjdbc(Duration timeout) {
        int seconds = AdminConnector.timeoutSeconds(timeout);
        return (backend, database) -> {
            PGSimpleDataSource dataSource = AdminConnector.dataSource(backend, SessionFindings.APPLICATION_NAME, seconds);
            if (database != null) {
                dataSource.setDatabaseName(database);
            }
            return dataSource.getConnection();
        };
    }
}
