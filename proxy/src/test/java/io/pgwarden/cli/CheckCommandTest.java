package io.pgwarden.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckCommandTest {

    private static final String GOOD = """
            backends:
              main:
                host: 127.0.0.1
                port: 5432
            databases:
              orders:
                backend: main
                dbname: orders_db
                user: orders_owner
                password: secret
              users:
                backend: main
                user: users_owner
            services:
              orders-service:
                password: orders-pass
                databases: [orders]
            """;

    @TempDir
    Path directory;

    @Test
    void goodFileSummarisesAndExitsZero() throws IOException {
        CommandResult result = CommandResult.run("check", "--config", write("good.yaml", GOOD).toString());

        assertEquals(0, result.exitCode(), result.err());
        assertEquals("OK: 1 backends, 2 databases, 1 services", result.out().strip());
    }

    @Test
    void badFilePrintsEveryErrorWithPathAndLineAndExitsOne() throws IOException {
        String bad = GOOD.replace("user: users_owner", "user: users_owner\n    pool_size: 0")
                .replace("databases: [orders]", "databases: [orders, nowhere]");

        CommandResult result = CommandResult.run("check", "--config", write("bad.yaml", bad).toString());

        assertEquals(1, result.exitCode());
        assertTrue(result.err().contains("bad.yaml: databases.users.pool_size (line 14): "), result.err());
        assertTrue(result.err().contains("bad.yaml: services.orders-service.databases"), result.err());
        assertEquals(2, result.err().strip().lines().count(), result.err());
        assertEquals("", result.out());
    }

    @Test
    void missingFileExitsOne() {
        CommandResult result = CommandResult.run("check", "--config", directory.resolve("absent.yaml").toString());

        assertEquals(1, result.exitCode());
        assertTrue(result.err().contains("absent.yaml: file not found"), result.err());
    }

    @Test
    void missingConfigOptionIsAUsageError() {
        CommandResult result = CommandResult.run("check");

        assertEquals(2, result.exitCode());
        assertTrue(result.err().contains("--config"), result.err());
    }

    @Test
    void tlsFilesAreReadAndAnUnusableKeyIsNamed() throws Exception {
        io.pgwarden.TestCertificates ca = io.pgwarden.TestCertificates.newCa("check CA");
        ca.server("db.example.com", true).writeTo(directory, "server");
        String withTls = GOOD + "listen:\n  tls: {mode: require, cert: '" + directory.resolve("server.crt")
                + "', key: '" + directory.resolve("server.key") + "'}\n";
        CommandResult good = CommandResult.run("check", "--config", write("tls.yaml", withTls).toString());
        assertEquals(0, good.exitCode(), good.err());
        assertTrue(good.out().startsWith("OK: 1 backends, 2 databases, 1 services, TLS require (JDK provider, TLSv1.2+,"
                + " certificate CN=db.example.com serial "), good.out());

        Files.writeString(directory.resolve("server.key"), "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
        CommandResult bad = CommandResult.run("check", "--config", directory.resolve("tls.yaml").toString());
        assertEquals(1, bad.exitCode());
        assertEquals("pgwarden: " + directory.resolve("server.key") + ": a PEM PKCS#8 private key expected, found a PKCS#1/SEC1 key;"
                + " convert it with: openssl pkcs8 -topk8 -nocrypt -in old.key -out new.key", bad.err().strip());
    }

    private Path write(String name, String yaml) throws IOException {
        return Files.writeString(directory.resolve(name), yaml);
    }
}
