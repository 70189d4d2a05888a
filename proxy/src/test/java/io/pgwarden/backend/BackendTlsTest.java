package io.pgwarden.backend;

import io.pgwarden.config.BackendConfig;
import io.pgwarden.config.BackendTlsConfig;
import io.pgwarden.config.BackendTlsMode;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The TLS files are read when pgwarden starts: a bad one stops it with the key that names it. */
class BackendTlsTest {

    private static BackendConfig backend(BackendTlsConfig tls) {
        return new BackendConfig("main", "db.internal", 5432, "postgres", "", "postgres", false,
                BackendConfig.DEFAULT_SAMPLE_INTERVAL, 0, 10, tls);
    }

    @Test
    void aMissingCaStopsTheStartNamingTheKey() {
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> BackendTls.of(backend(new BackendTlsConfig(BackendTlsMode.VERIFY_CA, "/nonexistent/ca.pem", null, null))));
        assertEquals("backends.main.tls: cannot use the ca file: /nonexistent/ca.pem cannot be read", e.getMessage());
    }

    @Test
    void aKeyThatIsNoKeyStopsTheStartNamingThePair() throws Exception {
        Path garbage = Files.createTempFile("pgwarden-not-a-key", ".pem");
        try {
            Files.writeString(garbage, "not PEM at all\n");
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> BackendTls.of(backend(
                    new BackendTlsConfig(BackendTlsMode.REQUIRE, null, garbage.toString(), garbage.toString()))));
            assertEquals(true, e.getMessage().startsWith("backends.main.tls: cannot use the cert/key pair file: "), e.getMessage());
        } finally {
            Files.delete(garbage);
        }
    }

    @Test
    void disableNeedsNoFiles() {
        assertEquals(BackendTlsMode.DISABLE, BackendTls.of(backend(new BackendTlsConfig(BackendTlsMode.DISABLE, null, null, null))).mode());
    }
}
