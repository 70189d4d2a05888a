package io.pgwarden.backend;

import io.pgwarden.config.BackendConfig;
import io.pgwarden.config.BackendTlsConfig;
import io.pgwarden.config.BackendTlsMode;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The admin, budget and sampler connections (pgjdbc) use the backend's TLS settings too. */
class AdminConnectorTest {

    private static PGSimpleDataSource dataSource(BackendTlsConfig tls) {
        return AdminConnector.dataSource(new BackendConfig("main", "db.internal", 5432, "postgres", "", "postgres", false,
                BackendConfig.DEFAULT_SAMPLE_INTERVAL, 0, 10, tls), "test", 5);
    }

    @Test
    void theModeAndTheCaBecomePgjdbcsSslmodeAndSslrootcert() {
        PGSimpleDataSource full = dataSource(new BackendTlsConfig(BackendTlsMode.VERIFY_FULL, "/etc/pgwarden/ca.pem",
                "/etc/pgwarden/client.pem", "/etc/pgwarden/client.key"));
        assertEquals("verify-full", full.getSslMode());
        assertEquals("/etc/pgwarden/ca.pem", full.getSslRootCert());
        assertEquals("/etc/pgwarden/client.pem", full.getSslCert(), "presented too: a pg_hba with clientcert asks every role for it");
        assertEquals("/etc/pgwarden/client.key", full.getSslKey());
        assertEquals(PemClientCertificateFactory.class.getName(), full.getSslfactory(), "pgjdbc reads no PEM key itself");
        assertEquals("org.postgresql.ssl.LibPQFactory",
                dataSource(new BackendTlsConfig(BackendTlsMode.VERIFY_FULL, "/etc/pgwarden/ca.pem", null, null)).getSslfactory(),
                "without a certificate, pgjdbc's own factory");
        assertEquals("prefer", dataSource(BackendTlsConfig.DEFAULT).getSslMode(), "libpq's default, as pgjdbc's");
        assertEquals("disable", dataSource(new BackendTlsConfig(BackendTlsMode.DISABLE, null, null, null)).getSslMode());
    }
}
