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
        int seconds = timeoutSeconds(timeout);
        return backend -> dataSource(backend, applicationName, seconds).getConnection();
    }

    /** pgjdbc's timeouts are whole seconds: {@code timeout} rounded up, at least one. */
    static int timeoutSeconds(Duration timeout) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (timeout.toMillis() + 999) / 1000));
    }

    /**
     * pgjdbc's settings for {@code backend}: its TLS mode and CA as pgjdbc's sslmode and sslrootcert
     * (the same names and meanings as libpq's), and its client certificate, read from the PEM files
     * by {@link PemClientCertificateFactory} (pgjdbc itself reads keys only as PKCS#8 DER or PKCS#12).
     */
    static PGSimpleDataSource dataSource(BackendConfig backend, String applicationName, int seconds) {
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
        dataSource.setSslMode(backend.tls().mode().yamlName());
        if (backend.tls().ca() != null) {
            dataSource.setSslRootCert(backend.tls().ca());
        }
        if (backend.tls().cert() != null) {
            dataSource.setSslfactory(PemClientCertificateFactory.class.getName());
            dataSource.setSslCert(backend.tls().cert());
            dataSource.setSslKey(backend.tls().key());
        }
        return dataSource;
    }
}
