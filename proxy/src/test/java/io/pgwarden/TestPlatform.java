package io.pgwarden;

import io.pgwarden.config.ConfigLoader;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.embedded.EmbeddedPostgresServer;
import io.pgwarden.provision.Provisioner;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;

/**
 * A shared platform for integration tests: one real PostgreSQL (17, or the major of
 * {@link #postgresMajor()}), a routing file that models
 * several services on it, provisioned, and pgwarden in front. Start it in {@code @BeforeAll}.
 */
public final class TestPlatform implements AutoCloseable {

    /** The routing file of the tests; {@code PG_PORT} and pool sizes are filled in. */
    public static final String CONFIG = """
            listen: {host: 127.0.0.1, port: 0}
            http: {host: 127.0.0.1, port: 0, read_timeout: "${HTTP_READ_TIMEOUT:-10s}", max_connections: "${HTTP_MAX_CONNECTIONS:-256}"}
            admin_services: [ops]
            backends:
              main: {host: 127.0.0.1, port: "${PG_PORT}", admin_user: postgres}
            databases:
              orders:   {backend: main, dbname: orders_db,   user: orders_owner,   password: orders-db-pw, pool_size: "${POOL_SIZE:-5}", reset_query: "${RESET_QUERY:-DISCARD ALL}"}
              payments: {backend: main, dbname: payments_db, user: payments_owner, password: "payments 'db' pw"}
              users:    {backend: main, dbname: users_db,    user: users_owner,    password: users-db-pw, pool_size: 1}
              legacy:   {backend: main, dbname: legacy_db,   user: legacy_owner,   password: legacy-db-pw}
              plain:    {backend: main, dbname: plain_db,    user: plain_owner,    password: plain-db-pw}
              trusted:  {backend: main, dbname: trusted_db,  user: trusted_owner, min_idle: "${TRUSTED_MIN_IDLE:-0}"}
              # transaction pooling on the same physical database as orders
              orders_tx:
                backend: main
                dbname: orders_db
                user: orders_owner
                password: orders-db-pw
                pool_mode: transaction
                pool_size: "${TX_POOL_SIZE:-5}"
                query_timeout: "${TX_QUERY_TIMEOUT:-0}"
                idle_transaction_timeout: "${TX_IDLE_TRANSACTION_TIMEOUT:-0}"
                client_idle_timeout: "${TX_CLIENT_IDLE_TIMEOUT:-0}"
                pinning: "${TX_PINNING:-auto}"
                max_pinned: "${TX_MAX_PINNED:-3}"
                pinned_idle_timeout: "${TX_PINNED_IDLE_TIMEOUT:-10m}"
              # one server connection shared by every client
              orders_tx1: {backend: main, dbname: orders_db, user: orders_owner, password: orders-db-pw, pool_mode: transaction, pool_size: 1}
            services:
              orders-service:
                # the verifier of "orders-pw"
                password: "${ORDERS_VERIFIER}"
                databases: [orders, orders_tx, orders_tx1]
              payments-service: {password: payments-pw, databases: [payments]}
              users-service: {password: users-pw, databases: [users]}
              reporting-service: {password: reporting-pw, databases: [orders, payments]}
              md5-service: {password: md5-pw, auth: md5, databases: [orders, legacy, plain, trusted, orders_tx]}
              # operators: the admin console only
              ops: {password: ops-pw}
            pool:
              query_wait_timeout: ${QUERY_WAIT_TIMEOUT:-5s}
              server_connect_timeout: 3s
              server_idle_timeout: ${SERVER_IDLE_TIMEOUT:-10m}
            """;

    public static final Map<String, String> PASSWORDS = Map.of(
            "orders-service", "orders-pw",
            "payments-service", "payments-pw",
            "users-service", "users-pw",
            "reporting-service", "reporting-pw",
            "md5-service", "md5-pw",
            "ops", "ops-pw");

    /**
     * The PostgreSQL major the ITs run against: 17 (the bundled binaries) unless the build selected
     * others ({@code -Dpostgres.major=16}, or failsafe's execution {@code postgres-16}), which it says
     * in {@code pgwarden.test.postgres.major}; {@link io.pgwarden.embedded.EmbeddedPostgresServer}
     * reads the binaries from {@code pgwarden.postgres.binaries}.
     */
    public static int postgresMajor() {
        return Integer.parseInt(System.getProperty("pgwarden.test.postgres.major", "17").strip());
    }

    /**
     * The zonky jar of PostgreSQL 15 that failsafe copies before the ITs and names in
     * {@code pgwarden.test.postgres15.binaries} (proxy/pom.xml), for PgDumpIT; empty when the property
     * is unset (a run outside Maven). Named but absent is the build's fault, and fails.
     */
    public static java.util.Optional<io.pgwarden.embedded.PostgresBinaries> postgres15Binaries() {
        String jar = System.getProperty("pgwarden.test.postgres15.binaries", "").strip();
        if (jar.isEmpty()) {
            return java.util.Optional.empty();
        }
        if (!java.nio.file.Files.isRegularFile(java.nio.file.Path.of(jar))) {
            throw new IllegalStateException("pgwarden.test.postgres15.binaries names " + jar
                    + ", which does not exist: proxy/pom.xml copies it at pre-integration-test");
        }
        return java.util.Optional.of(io.pgwarden.embedded.PostgresBinaries.jar(java.nio.file.Path.of(jar)));
    }

    private final EmbeddedPostgresServer postgres;
    private final PgwardenConfig config;
    private final Pgwarden pgwarden;
    /** What a reload reads: the routing file as the test rewrote it last ({@link #reload(String)}). */
    private final java.util.concurrent.atomic.AtomicReference<String> file;

    private TestPlatform(EmbeddedPostgresServer postgres, PgwardenConfig config, Pgwarden pgwarden,
                         java.util.concurrent.atomic.AtomicReference<String> file) {
        this.postgres = postgres;
        this.config = config;
        this.pgwarden = pgwarden;
        this.file = file;
    }

    public static TestPlatform start() throws Exception {
        return start(Map.of());
    }

    /** @param overrides extra variables for {@link #CONFIG} (POOL_SIZE, QUERY_WAIT_TIMEOUT, SERVER_IDLE_TIMEOUT, TRUSTED_MIN_IDLE, HTTP_READ_TIMEOUT, HTTP_MAX_CONNECTIONS) */
    public static TestPlatform start(Map<String, String> overrides) throws Exception {
        return start(CONFIG, overrides);
    }

    /**
     * @param configText a routing file shaped as {@link #CONFIG} (the TLS tests add listen.tls and certificate
     *                   services to it), or one of its own on {@code ${PG_PORT}}
     */
    public static TestPlatform start(String configText, Map<String, String> overrides) throws Exception {
        return start(configText, overrides, io.pgwarden.embedded.PostgresBinaries.fromSystemProperty());
    }

    /** As {@link #start(String, Map)}, on a PostgreSQL from {@code binaries} (PgDumpIT's 15). */
    public static TestPlatform start(String configText, Map<String, String> overrides,
                                     io.pgwarden.embedded.PostgresBinaries binaries) throws Exception {
        EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(0, null, Map.of(), binaries);
        try {
            // backend roles that log in with md5, a cleartext password, and trust
            postgres.prependHbaRules(java.util.List.of(
                    "host all legacy_owner 127.0.0.1/32 md5",
                    "host all plain_owner 127.0.0.1/32 password",
                    "host all trusted_owner 127.0.0.1/32 trust"));
            Map<String, String> env = new java.util.HashMap<>(overrides);
            env.put("PG_PORT", String.valueOf(postgres.port()));
            env.put("ORDERS_VERIFIER", io.pgwarden.auth.ScramVerifier.fromPassword("orders-pw").encode());
            PgwardenConfig config = ConfigLoader.parse(configText, "test.yaml", env::get);
            new Provisioner().provision(config);
            // the md5 role's password must be stored as md5 for the md5 rule to ask for md5
            if (config.databases().values().stream().anyMatch(d -> d.user().equals("legacy_owner"))) {
                try (Connection admin = postgres.adminDataSource("postgres").getConnection(); Statement st = admin.createStatement()) {
                    st.execute("SET password_encryption = 'md5'");
                    st.execute("ALTER ROLE legacy_owner PASSWORD 'legacy-db-pw'");
                }
            }
            java.util.concurrent.atomic.AtomicReference<String> file = new java.util.concurrent.atomic.AtomicReference<>(configText);
            Pgwarden pgwarden = new Pgwarden(config, () -> ConfigLoader.parse(file.get(), "test.yaml", env::get)).start();
            return new TestPlatform(postgres, config, pgwarden, file);
        } catch (Exception | Error e) {
            postgres.close();
            throw e;
        }
    }

    /** Rewrites the routing file (the same variables fill it in) and reloads it, as SIGHUP would. */
    public io.pgwarden.admin.ReloadOutcome reload(String configText) {
        file.set(configText);
        return pgwarden.reload();
    }

    public EmbeddedPostgresServer postgres() {
        return postgres;
    }

    public PgwardenConfig config() {
        return config;
    }

    public Pgwarden pgwarden() {
        return pgwarden;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + pgwarden.port() + "/" + database;
    }

    /** A pgjdbc connection through pgwarden, as {@code service} with its right password. */
    public Connection connect(String service, String database) throws SQLException {
        return connect(service, PASSWORDS.get(service), database, new Properties());
    }

    public Connection connect(String service, String password, String database, Properties extra) throws SQLException {
        Properties props = new Properties();
        props.putAll(extra);
        props.setProperty("user", service);
        props.setProperty("password", password);
        props.putIfAbsent("connectTimeout", "10");
        props.putIfAbsent("socketTimeout", "30");
        return DriverManager.getConnection(jdbcUrl(database), props);
    }

    /** A direct admin connection to the backend, bypassing pgwarden. */
    public Connection admin() throws SQLException {
        return postgres.adminDataSource("postgres").getConnection();
    }

    /** Connections the backend has open to {@code dbname}, other than the asking admin one. */
    public int backendConnections(String dbname) throws SQLException {
        try (Connection admin = admin(); Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + dbname
                     + "' AND pid <> pg_backend_pid() AND backend_type = 'client backend'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /**
     * Runs a 30 s sleep on {@code statement}, cancels it with {@link Statement#cancel()} once PostgreSQL
     * runs it (seen in pg_stat_activity, so the cancel cannot arrive before the query) and returns what
     * the query failed with (null if it was not cancelled).
     */
    public SQLException cancelledSleep(Statement statement) throws Exception {
        java.util.concurrent.CompletableFuture<SQLException> running = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                statement.execute("SELECT pg_sleep(30) /* to be cancelled */");
                return null;
            } catch (SQLException e) {
                return e;
            }
        });
        awaitRunning("SELECT pg_sleep(30) /* to be cancelled */");
        statement.cancel();
        return running.get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** Queries PostgreSQL runs now ({@code state = 'active'}) whose text starts with {@code prefix}. */
    public int running(String prefix) throws SQLException {
        try (Connection admin = admin(); java.sql.PreparedStatement st = admin.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND starts_with(query, ?) AND pid <> pg_backend_pid()")) {
            st.setString(1, prefix);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** Waits until PostgreSQL runs a query whose text starts with {@code prefix}: the query reached the server. */
    public void awaitRunning(String prefix) throws Exception {
        Eventually.await("PostgreSQL to run " + prefix, () -> running(prefix) > 0);
    }

    /** A connection to the admin console (database {@code pgwarden}) as the operator service {@code ops}. */
    public Connection console() throws SQLException {
        Properties props = new Properties();
        props.setProperty("preferQueryMode", "simple");
        return connect("ops", PASSWORDS.get("ops"), "pgwarden", props);
    }

    /** SHOW POOLS's row for {@code database}, column name to value, read on an admin console statement. */
    public static Map<String, String> poolRow(Statement console, String database) throws SQLException {
        try (ResultSet rs = console.executeQuery("SHOW POOLS")) {
            java.sql.ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                if (database.equals(rs.getString("database"))) {
                    Map<String, String> row = new java.util.LinkedHashMap<>();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        row.put(meta.getColumnName(i), rs.getString(i));
                    }
                    return row;
                }
            }
        }
        throw new AssertionError("no SHOW POOLS row for " + database);
    }

    /** One count of SHOW POOLS, e.g. {@code cl_waiting} or {@code sv_active} of {@code database}. */
    public static int poolCount(Statement console, String database, String column) throws SQLException {
        return Integer.parseInt(poolRow(console, database).get(column));
    }

    /** Pids of the backends PostgreSQL has for {@code dbname}, other than the asking admin one, in order. */
    public java.util.List<Integer> backendPids(String dbname) throws SQLException {
        try (Connection admin = admin(); java.sql.PreparedStatement st = admin.prepareStatement(
                "SELECT pid FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()"
                        + " AND backend_type = 'client backend' ORDER BY pid")) {
            st.setString(1, dbname);
            java.util.List<Integer> pids = new java.util.ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    pids.add(rs.getInt(1));
                }
            }
            return pids;
        }
    }

    @Override
    public void close() {
        try {
            pgwarden.close();
        } finally {
            postgres.close();
        }
    }
}
