package io.pgwarden.config;

import static io.pgwarden.config.TestConfigs.MINIMAL;
import static io.pgwarden.config.TestConfigs.errorsOf;
import static io.pgwarden.config.TestConfigs.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code listen.tls} and the certificate auth methods: read, defaulted and checked with key and line. */
class TlsConfigTest {

    @TempDir
    static Path dir;

    /** MINIMAL's 11 lines, then {@code listen:} at 12 and {@code tls:} at 13: its keys start at line 14. */
    private static String withTls(String... keys) {
        StringBuilder yaml = new StringBuilder(MINIMAL).append("listen:\n  tls:\n");
        for (String key : keys) {
            yaml.append("    ").append(key).append('\n');
        }
        return yaml.toString();
    }

    private static Map<String, String> files() throws IOException {
        for (String name : List.of("server.crt", "server.key", "ca.crt")) {
            Path file = dir.resolve(name);
            if (!Files.exists(file)) {
                Files.writeString(file, "PEM");
            }
        }
        return Map.of("CERT", dir.resolve("server.crt").toString(), "KEY", dir.resolve("server.key").toString(),
                "CA", dir.resolve("ca.crt").toString());
    }

    @Test
    void withoutTheSectionTlsIsDisabled() throws ConfigException {
        TlsConfig tls = parse(MINIMAL).listen().tls();
        assertEquals(ClientTlsMode.DISABLE, tls.mode());
        assertFalse(tls.enabled());
    }

    @Test
    void theSectionDefaultsToPreferWithTls12AndAeadCiphersAndA10sReload() throws ConfigException, IOException {
        TlsConfig tls = parse(withTls("cert: ${CERT}", "key: ${KEY}"), files()).listen().tls();
        assertEquals(ClientTlsMode.PREFER, tls.mode());
        assertEquals("TLSv1.2", tls.minVersion());
        assertEquals(TlsConfig.DEFAULT_CIPHERS, tls.ciphers());
        assertEquals(Duration.ofSeconds(10), tls.reloadInterval());
        assertFalse(tls.hasCa());
    }

    @Test
    void everyPgBouncerModeIsRead() throws ConfigException, IOException {
        for (ClientTlsMode mode : ClientTlsMode.values()) {
            assertEquals(mode, parse(withTls("mode: " + mode.yamlName(), "cert: ${CERT}", "key: ${KEY}", "ca: ${CA}"), files())
                    .listen().tls().mode());
        }
        assertEquals(List.of("listen.tls.mode (line 14): must be disable or allow or prefer or require or verify-ca"
                + " or verify-full, not 'on'"), errorsOf(withTls("mode: on", "cert: ${CERT}", "key: ${KEY}"), files()));
    }

    @Test
    void certAndKeyAreRequiredAndMustBeReadableFiles() throws IOException {
        assertEquals(List.of("listen.tls (line 13): cert is required when listen.tls.mode is require",
                        "listen.tls (line 13): key is required when listen.tls.mode is require"),
                errorsOf(withTls("mode: require")));
        assertEquals(List.of("listen.tls.cert (line 15): file '/nonexistent/server.crt' does not exist or is not a file"),
                errorsOf(withTls("mode: require", "cert: /nonexistent/server.crt", "key: ${KEY}"), files()));
        assertEquals(List.of("listen.tls.key (line 15): must not be empty"),
                errorsOf(withTls("cert: ${CERT}", "key: ''"), files()));
    }

    @Test
    void aDisabledSectionNeedsNoFiles() throws ConfigException {
        assertEquals(ClientTlsMode.DISABLE, parse(withTls("mode: disable")).listen().tls().mode());
    }

    @Test
    void verifyModesNeedACa() throws IOException {
        assertEquals(List.of("listen.tls.mode (line 14): is verify-ca: client certificates are checked against"
                + " listen.tls.ca, which is not set"), errorsOf(withTls("mode: verify-ca", "cert: ${CERT}", "key: ${KEY}"), files()));
    }

    @Test
    void minVersionAndCiphersAreChecked() throws IOException {
        assertEquals(List.of("listen.tls.min_version (line 16): must be TLSv1.2 or TLSv1.3, not 'TLSv1.1'"),
                errorsOf(withTls("cert: ${CERT}", "key: ${KEY}", "min_version: TLSv1.1"), files()));
        assertEquals(List.of("listen.tls.ciphers[1] (line 16): cipher suite 'ECDHE-RSA-AES128-GCM-SHA256' is not supported"
                        + " by this Java runtime (give IANA names, e.g. TLS_AES_128_GCM_SHA256)"),
                errorsOf(withTls("cert: ${CERT}", "key: ${KEY}",
                        "ciphers: [TLS_AES_128_GCM_SHA256, ECDHE-RSA-AES128-GCM-SHA256]"), files()));
        assertEquals(List.of("listen.tls.tls_version (line 16): unknown key; expected one of: mode, cert, key, ca,"
                + " min_version, ciphers, reload_interval"), errorsOf(withTls("cert: ${CERT}", "key: ${KEY}", "tls_version: 1.3"), files()));
    }

    @Test
    void certificateServicesNeedACaAndCertAloneTakesNoPassword() throws ConfigException, IOException {
        String services = """
                  billing: {auth: cert, databases: [orders]}
                  audit: {auth: scram+cert, password: audit-pw, databases: [orders]}
                """;
        String yaml = MINIMAL + services + "listen:\n  tls: {cert: '${CERT}', key: '${KEY}', ca: '${CA}'}\n";
        PgwardenConfig config = parse(yaml, files());
        assertEquals(AuthMethod.CERT, config.services().get("billing").auth());
        assertEquals("", config.services().get("billing").password());
        assertEquals(AuthMethod.SCRAM_CERT, config.services().get("audit").auth());

        assertEquals(List.of("services.billing.auth (line 12): auth: cert needs client certificates: set listen.tls with a"
                        + " mode other than disable and a ca that signs them",
                        "services.audit.auth (line 13): auth: scram+cert needs client certificates: set listen.tls with a"
                        + " mode other than disable and a ca that signs them"),
                errorsOf(MINIMAL + services + "listen:\n  tls: {cert: '${CERT}', key: '${KEY}'}\n", files()));
        assertEquals(List.of("services.billing.password (line 12): a service with auth: cert logs in with its certificate"
                        + " alone; remove the password, or set auth: scram+cert to ask for both"),
                errorsOf(MINIMAL + "  billing: {auth: cert, password: x, databases: [orders]}\n"
                        + "listen:\n  tls: {cert: '${CERT}', key: '${KEY}', ca: '${CA}'}\n", files()));
    }
}
