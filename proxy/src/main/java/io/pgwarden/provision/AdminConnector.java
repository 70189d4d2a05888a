package io.pgwarden.provision;

import io.pgwarden.config.BackendConfig;
import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.ds.PGSimpleDataSource;

/** Opens an admin connection to a backend. Tests may substitute their own. */
@FunctionalInterface
public interface AdminConnector {

    Connection connect(BackendConfig backend) throws SQLException;

    /** pgjdbc as {@code admin_user}/{@code admin_password} on {@code admin_database} at {@code host:port}. */
    static AdminConnector pgjdbc() {
        return backend -> {
            PGSimpleDataSource dataSource = new PGSimpleDataSource();
            dataSource.setServerNames(new String[] {backend.host()});
            dataSource.setPortNumbers(new int[] {backend.port()});
            dataSource.setDatabaseName(backend.adminDatabase());
            dataSource.setUser(backend.adminUser());
            if (backend.adminPassword() != null && !backend.adminPassword().isEmpty()) {
                dataSource.setPassword(backend.adminPassword());
            }
            dataSource.setApplicationName("pgwarden provision");
            return dataSource.getConnection();
        };
    }
}
