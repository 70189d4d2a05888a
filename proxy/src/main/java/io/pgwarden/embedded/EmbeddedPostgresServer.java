package io.pgwarden.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL started from the binaries bundled in the jar (zonky's, PostgreSQL 17), or from another
 * zonky binaries jar: the one a caller gives ({@link #start(int, Path, java.util.Map, PostgresBinaries)},
 * PostgreSQL 15 for PgDumpIT), else the one named by {@value PostgresBinaries#PROPERTY} (PostgreSQL 16
 * for the tests with {@code -Dpostgres.major=16}), for the demo and for tests.
 * It listens on 127.0.0.1 only; the admin {@code postgres} is trusted there, every other role must
 * log in with SCRAM (see {@link LoopbackHba}). Its output goes to a log file next to the data.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

    private static final String HOST = "127.0.0.1";
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
    private static final Duration RELOAD_WAIT = Duration.ofSeconds(10);

    private final EmbeddedPostgres postgres;
    private final Path dataDirectory;
    private final Path logFile;
    /** Set when we created the directories ourselves and must remove them on close. */
    private final Path temporaryRoot;
    private final List<String> extraHbaRules = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path dataDirectory, Path logFile, Path temporaryRoot) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
        this.logFile = logFile;
        this.temporaryRoot = temporaryRoot;
    }

    /**
     * Starts a server and waits until it accepts connections.
     *
     * @param port          0 picks a free port
     * @param dataDirectory kept between runs (initdb only when it holds no cluster yet); null for a
     *                      temporary directory that {@link #close()} removes, filled from a {@link ClusterTemplate}
     */
    public static EmbeddedPostgresServer start(int port, Path dataDirectory) throws IOException {
        return start(port, dataDirectory, java.util.Map.of());
    }

    /**
     * As {@link #start(int, Path)}, with server settings of the caller's over the defaults (tests use
     * a small {@code max_connections}).
     */
    public static EmbeddedPostgresServer start(int port, Path dataDirectory, java.util.Map<String, String> settings)
            throws IOException {
        return start(port, dataDirectory, settings, PostgresBinaries.fromSystemProperty());
    }

    /**
     * As {@link #start(int, Path, java.util.Map)}, from {@code binaries} whatever {@value PostgresBinaries#PROPERTY}
     * says (a kept {@code dataDirectory} must have been made by the same major).
     */
    public static EmbeddedPostgresServer start(int port, Path dataDirectory, java.util.Map<String, String> settings,
                                               PostgresBinaries binaries) throws IOException {
        Path temporaryRoot = dataDirectory == null ? Files.createTempDirectory("pgwarden-pg-") : null;
        Path data = temporaryRoot != null ? temporaryRoot.resolve("data") : dataDirectory.toAbsolutePath();
        // Not inside the data directory: initdb insists on an empty one.
        Path logFile = data.resolveSibling(data.getFileName() + ".log");
        Files.createDirectories(data.getParent());
        boolean copied = false;
        if (temporaryRoot != null) {
            try {
                ClusterTemplate.copyInto(data, binaries);
                copied = true;
            } catch (IOException | RuntimeException e) {
                log.warn("no cluster template ({}): running initdb", e.getMessage());
                deleteQuietly(data);
            }
        }

        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(data)
                // zonky runs initdb when told to clean, or when the directory holds no cluster
                .setCleanDataDirectory(temporaryRoot != null && !copied)
                .setPGStartupWait(STARTUP_WAIT)
                .setServerConfig("listen_addresses", HOST)
                .setServerConfig("max_connections", "200")
                // zonky always passes -F (fsync off); a -c after it wins. Throwaway data needs no
                // durability, but a kept directory must survive a crash or a kill -9.
                .setServerConfig("fsync", temporaryRoot != null ? "off" : "on")
                .setOutputRedirector(Redirect.appendTo(logFile.toFile()))
                .setErrorRedirector(Redirect.appendTo(logFile.toFile()));
        settings.forEach(builder::setServerConfig);
        io.zonky.test.db.postgres.embedded.PgBinaryResolver resolver = binaries.resolver();
        if (resolver != null) {
            builder.setPgBinaryResolver(resolver);
        }

        EmbeddedPostgres postgres;
        try {
            postgres = builder.start();
        } catch (IOException | RuntimeException e) {
            deleteQuietly(temporaryRoot);
            throw e;
        }
        EmbeddedPostgresServer server = new EmbeddedPostgresServer(postgres, data, logFile, temporaryRoot);
        try {
            server.applyHba(List.of());
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        log.info("PostgreSQL {} listening on {}:{} (binaries {}, data {}, log {})",
                server.serverVersion(), HOST, server.port(), binaries, data, logFile);
        return server;
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return postgres.getPort();
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    public Path logFile() {
        return logFile;
    }

    /** {@code SHOW server_version}, e.g. {@code 17.2}. */
    public String serverVersion() {
        try (Connection connection = adminDataSource("postgres").getConnection()) {
            return queryString(connection, "SHOW server_version");
        } catch (SQLException e) {
            return "(version unknown: " + e.getMessage() + ")";
        }
    }

    /** A data source for the trusted superuser {@code postgres}. */
    public DataSource adminDataSource(String database) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setServerNames(new String[] {HOST});
        dataSource.setPortNumbers(new int[] {port()});
        dataSource.setDatabaseName(database);
        dataSource.setUser(LoopbackHba.ADMIN);
        return dataSource;
    }

    /**
     * Puts {@code lines} (pg_hba.conf rules) before every rule added earlier and before the default
     * ones, then reloads. Returns once new connections see them.
     *
     * @throws IllegalArgumentException if PostgreSQL rejects a line; the previous rules stay in force
     */
    public synchronized void prependHbaRules(List<String> lines) throws IOException {
        List<String> rules = new ArrayList<>(lines);
        rules.addAll(extraHbaRules);
        applyHba(rules);
        extraHbaRules.clear();
        extraHbaRules.addAll(rules);
    }

    public void stop() {
        close();
    }

    /** Stops the postmaster (fast shutdown); removes the directories if they were temporary. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        try {
            postgres.close();
            log.info("stopped PostgreSQL on {}:{}", HOST, port());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(temporaryRoot);
        }
    }

    private void applyHba(List<String> rules) throws IOException {
        try (Connection connection = adminDataSource("postgres").getConnection()) {
            Path hbaFile = Path.of(queryString(connection, "SHOW hba_file"));
            String previous = Files.readString(hbaFile);
            Files.writeString(hbaFile, LoopbackHba.render(rules));
            List<String> errors = hbaErrors(connection);
            if (!errors.isEmpty()) {
                Files.writeString(hbaFile, previous);
                throw new IllegalArgumentException("pg_hba.conf rejected: " + String.join("; ", errors));
            }
            OffsetDateTime loadedBefore = configLoadTime(connection);
            queryString(connection, "SELECT pg_reload_conf()::text");
            awaitReloadAfter(loadedBefore);
        } catch (SQLException e) {
            throw new IOException("could not rewrite pg_hba.conf on port " + port(), e);
        }
    }

    private static List<String> hbaErrors(Connection connection) throws SQLException {
        List<String> errors = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(
                     "SELECT line_number, error FROM pg_hba_file_rules WHERE error IS NOT NULL")) {
            while (rows.next()) {
                errors.add("line " + rows.getInt(1) + ": " + rows.getString(2));
            }
        }
        return errors;
    }

    /**
     * pg_reload_conf() only signals the postmaster. A new session inherits the postmaster's load time,
     * so once a new session reports a later one, new logins use the new rules.
     */
    private void awaitReloadAfter(OffsetDateTime loadedBefore) throws SQLException {
        long deadline = System.nanoTime() + RELOAD_WAIT.toNanos();
        while (true) {
            try (Connection connection = adminDataSource("postgres").getConnection()) {
                if (configLoadTime(connection).isAfter(loadedBefore)) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new SQLException("PostgreSQL did not reload its configuration within " + RELOAD_WAIT);
            }
            sleepBriefly();
        }
    }

    private static OffsetDateTime configLoadTime(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT pg_conf_load_time()")) {
            rows.next();
            return rows.getObject(1, OffsetDateTime.class);
        }
    }

    private static String queryString(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }

    private static void sleepBriefly() throws SQLException {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for a configuration reload", e);
        }
    }

    static void deleteQuietly(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            log.warn("could not remove {}: {}", root, e.getMessage());
        }
    }
}
