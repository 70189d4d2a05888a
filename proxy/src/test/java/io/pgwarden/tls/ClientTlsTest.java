package io.pgwarden.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgwarden.TestCertificates;
import io.pgwarden.config.ClientTlsMode;
import io.pgwarden.config.TlsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading the listen.tls files, and the reload decision: what changed, what is kept when the new files are bad. */
class ClientTlsTest {

    private static TestCertificates ca;

    @TempDir
    Path dir;

    @BeforeAll
    static void makeCa() throws Exception {
        ca = TestCertificates.newCa("unit test CA");
    }

    private TlsConfig config() {
        return new TlsConfig(ClientTlsMode.PREFER, dir.resolve("server.crt").toString(), dir.resolve("server.key").toString(), "",
                "TLSv1.2", TlsConfig.DEFAULT_CIPHERS, Duration.ZERO);
    }

    @Test
    void nothingChangedNothingReloaded() throws Exception {
        TestCertificates.Issued first = ca.server("localhost", false).writeTo(dir, "server");
        ClientTls tls = ClientTls.load(config());
        assertEquals(first.serial(), tls.certificate().getSerialNumber());
        assertFalse(tls.reloadIfChanged());
        assertTrue(tls.describe().startsWith("TLS prefer (JDK provider, TLSv1.2+, certificate CN=localhost serial "), tls.describe());
    }

    @Test
    void rotatedFilesAreLoadedRsaThenEc() throws Exception {
        ca.server("localhost", false).writeTo(dir, "server");
        ClientTls tls = ClientTls.load(config());
        TestCertificates.Issued rotated = ca.server("localhost", true).writeTo(dir, "server");
        assertTrue(tls.reloadIfChanged());
        assertEquals(rotated.serial(), tls.certificate().getSerialNumber());
    }

    @Test
    void aKeyOfAnotherCertificateKeepsThePreviousOneUntilTheNextChange() throws Exception {
        TestCertificates.Issued first = ca.server("localhost", false).writeTo(dir, "server");
        ClientTls tls = ClientTls.load(config());
        TestCertificates.Issued second = ca.server("localhost", false);
        second.writeTo(dir, "half");
        Files.move(dir.resolve("half.crt"), dir.resolve("server.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertFalse(tls.reloadIfChanged(), "the certificate is new, its key not yet");
        assertEquals(first.serial(), tls.certificate().getSerialNumber());
        assertFalse(tls.reloadIfChanged(), "the same bad files are not tried again");

        Files.move(dir.resolve("half.key"), dir.resolve("server.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertTrue(tls.reloadIfChanged(), "now the key has come too");
        assertEquals(second.serial(), tls.certificate().getSerialNumber());
    }

    @Test
    void aConfigReloadReadsTheFilesAgainAndTakesNewPaths() throws Exception {
        TestCertificates.Issued first = ca.server("localhost", false).writeTo(dir, "server");
        ClientTls tls = ClientTls.load(config());
        TestCertificates.Issued other = ca.server("localhost", true).writeTo(dir, "other");
        TlsConfig moved = new TlsConfig(ClientTlsMode.REQUIRE, dir.resolve("other.crt").toString(), dir.resolve("other.key").toString(),
                "", "TLSv1.3", TlsConfig.DEFAULT_CIPHERS, Duration.ZERO);
        Runnable swap = tls.prepare(moved);
        assertEquals(first.serial(), tls.certificate().getSerialNumber(), "nothing changes before the reload applies");
        swap.run();
        assertEquals(other.serial(), tls.certificate().getSerialNumber());
        assertEquals(ClientTlsMode.REQUIRE, tls.mode());
    }

    @Test
    void aConfigReloadWithUnusableFilesFailsBeforeAnythingChanges() throws Exception {
        TestCertificates.Issued first = ca.server("localhost", false).writeTo(dir, "server");
        ClientTls tls = ClientTls.load(config());
        TestCertificates.Issued second = ca.server("localhost", false);
        second.writeTo(dir, "half");
        Files.move(dir.resolve("half.crt"), dir.resolve("server.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        TlsSetupException e = assertThrows(TlsSetupException.class, () -> tls.prepare(config()));
        assertTrue(e.getMessage().contains("this private key does not belong to the certificate"), e.getMessage());
        assertEquals(first.serial(), tls.certificate().getSerialNumber());
    }

    @Test
    void unusableFilesStopTheStartWithTheFileAndTheReason() throws Exception {
        ca.server("localhost", false).writeTo(dir, "server");
        Files.writeString(dir.resolve("server.key"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        TlsSetupException pkcs1 = assertThrows(TlsSetupException.class, () -> ClientTls.load(config()));
        assertEquals(dir.resolve("server.key") + ": a PEM PKCS#8 private key expected, found a PKCS#1/SEC1 key; convert it with:"
                + " openssl pkcs8 -topk8 -nocrypt -in old.key -out new.key", pkcs1.getMessage());

        Files.writeString(dir.resolve("server.crt"), "not a certificate");
        TlsSetupException garbage = assertThrows(TlsSetupException.class, () -> ClientTls.load(config()));
        assertTrue(garbage.getMessage().startsWith(dir.resolve("server.crt") + ": "), garbage.getMessage());
    }

    @Test
    void disabledReadsNoFile() throws Exception {
        ClientTls tls = ClientTls.load(TlsConfig.DISABLED);
        assertFalse(tls.enabled());
        assertEquals("TLS disabled", tls.describe());
    }
}
