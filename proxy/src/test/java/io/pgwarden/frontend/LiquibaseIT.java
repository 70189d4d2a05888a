package io.pgwarden.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.pgwarden.TestPlatform;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import liquibase.Contexts;
import liquibase.LabelExpression;
import liquibase.Liquibase;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.resource.ClassLoaderResourceAccessor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Liquibase, a real migration tool, through pgwarden in session and in transaction mode: what it does
 * to a database through pgwarden must be what it does directly. Its changesets each run in a
 * transaction of their own, its history rows are written with statements pgjdbc prepares on the
 * server after a few uses, and it takes its lock with an UPDATE of a lock table: all of it must hold
 * when the server a transaction lands on changes between transactions.
 */
class LiquibaseIT {

    private static final String CONFIG = """
            listen: {host: 127.0.0.1, port: 0}
            backends:
              main: {host: 127.0.0.1, port: "${PG_PORT}", admin_user: postgres}
            databases:
              # the reference: migrated directly, never through pgwarden
              reference: {backend: main, dbname: lb_direct, user: lb_direct_owner, password: direct-db-pw}
              session:   {backend: main, dbname: lb_session, user: lb_session_owner, password: session-db-pw}
              tx:        {backend: main, dbname: lb_tx, user: lb_tx_owner, password: tx-db-pw,
                          pool_mode: transaction, pool_size: 2}
              busy:      {backend: main, dbname: lb_busy, user: lb_busy_owner, password: busy-db-pw,
                          pool_mode: transaction, pool_size: 2}
            services:
              app-service: {password: app-pw, databases: [session, tx, busy]}
            """;
    private static final String CHANGELOG = "liquibase/changelog.xml";
    private static final int CHANGESETS = 8;

    /** Held: java.util.logging keeps loggers weakly, and a collected one forgets its level. */
    private static final java.util.logging.Logger LIQUIBASE_LOG = java.util.logging.Logger.getLogger("liquibase");

    private static TestPlatform platform;
    /** The direct database's schema and history after update, rollback to v1, update. */
    private static String referenceSchema;
    private static List<String> referenceHistory;

    @BeforeAll
    static void start() throws Exception {
        System.setProperty("liquibase.analytics.enabled", "false"); // it would phone home (4.30+)
        LIQUIBASE_LOG.setLevel(java.util.logging.Level.WARNING); // a page of INFO per changeset otherwise
        platform = TestPlatform.start(CONFIG, Map.of());
        try (Connection direct = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + platform.postgres().port()
                + "/lb_direct", "lb_direct_owner", "direct-db-pw")) {
            updateRollBackAndUpdateAgain(direct);
            referenceSchema = schemaOf(direct);
            referenceHistory = historyOf(direct);
        }
        assertEquals(CHANGESETS, referenceHistory.size(), "the reference ran every changeset: " + referenceHistory);
    }

    @AfterAll
    static void stop() {
        if (platform != null) {
            platform.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"session", "tx"})
    void liquibaseUpdatesRollsBackToATagAndUpdatesAgainThroughPgwardenAsItDoesDirectly(String database) throws Exception {
        try (Connection through = platform.connect("app-service", "app-pw", database, new Properties())) {
            updateRollBackAndUpdateAgain(through);
        }
        // a later run, as the next deployment: nothing left to run, and the database is as the reference
        try (Connection through = platform.connect("app-service", "app-pw", database, new Properties())) {
            Liquibase liquibase = liquibase(through);
            assertEquals(List.of(), liquibase.listUnrunChangeSets(new Contexts(), new LabelExpression()));
            liquibase.update(new Contexts(), new LabelExpression());
            assertEquals(referenceSchema, schemaOf(through));
            assertEquals(referenceHistory, historyOf(through));
            try (Statement st = through.createStatement(); ResultSet rs = st.executeQuery("SELECT credit(1, 50)")) {
                rs.next();
                assertEquals(150, rs.getInt(1), "the function Liquibase created works");
            }
            assertEquals(0, lockedLocks(through), "Liquibase released its lock");
        }
    }

    @Test
    void liquibaseMigratesWhileTheServicesOtherClientsKeepUsingTheSameTwoServerConnections() throws Exception {
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(platform.jdbcUrl("busy"));
        hikari.setUsername("app-service");
        hikari.setPassword("app-pw");
        hikari.setMaximumPoolSize(4);
        hikari.addDataSourceProperty("prepareThreshold", "1"); // every statement of the load is a named server statement
        AtomicBoolean migrating = new AtomicBoolean(true);
        ExecutorService load = Executors.newFixedThreadPool(4);
        try (HikariDataSource pool = new HikariDataSource(hikari)) {
            List<Future<Integer>> clients = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                clients.add(load.submit(() -> {
                    int queries = 0;
                    while (migrating.get()) {
                        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(
                                "SELECT count(*) FROM pg_class WHERE relname = ?")) {
                            ps.setString(1, "accounts");
                            try (ResultSet rs = ps.executeQuery()) {
                                rs.next();
                            }
                            queries++;
                        }
                    }
                    return queries;
                }));
            }
            try (Connection through = platform.connect("app-service", "app-pw", "busy", new Properties())) {
                liquibase(through).update(new Contexts(), new LabelExpression());
                assertEquals(CHANGESETS, historyOf(through).size());
            } finally {
                migrating.set(false);
            }
            for (Future<Integer> client : clients) {
                assertTrue(client.get(30, TimeUnit.SECONDS) > 0, "every other client got its queries through");
            }
        } finally {
            load.shutdownNow();
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    @SuppressWarnings("deprecation") // the Liquibase facade is still the simplest embedding API in 4.x
    private static Liquibase liquibase(Connection connection) throws Exception {
        Database database = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(connection));
        return new Liquibase(CHANGELOG, new ClassLoaderResourceAccessor(), database);
    }

    @SuppressWarnings("deprecation")
    private static void updateRollBackAndUpdateAgain(Connection connection) throws Exception {
        Liquibase liquibase = liquibase(connection);
        liquibase.update(new Contexts(), new LabelExpression());
        assertEquals(CHANGESETS, historyOf(connection).size());
        liquibase.rollback("v1", new Contexts(), new LabelExpression());
        assertTrue(historyOf(connection).stream().noneMatch(row -> row.startsWith("7-") || row.startsWith("8-")),
                "rolled back to the tag: the changesets after it are undone");
        assertEquals(0, count(connection, "SELECT count(*) FROM pg_class WHERE relname = 'audit_log'"));
        liquibase.update(new Contexts(), new LabelExpression());
    }

    /** Tables, columns, defaults, indexes, constraints and functions of schema public, one per line. */
    private static String schemaOf(Connection connection) throws SQLException {
        String sql = """
                SELECT string_agg(line, E'\\n' ORDER BY line) FROM (
                  SELECT format('column %s.%s %s not null %s default %s', c.relname, a.attname,
                                format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid)) AS line
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                    LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
                   WHERE n.nspname = 'public' AND c.relkind = 'r'
                  UNION ALL
                  SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
                  UNION ALL
                  SELECT format('constraint %s %s', conname, pg_get_constraintdef(oid)) FROM pg_constraint
                   WHERE connamespace = 'public'::regnamespace
                  UNION ALL
                  SELECT 'function ' || p.oid::regprocedure FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
                ) lines
                """;
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Liquibase's history: which changesets ran, in which order, how, and the tag. */
    private static List<String> historyOf(Connection connection) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT id, exectype, orderexecuted, tag FROM databasechangelog ORDER BY orderexecuted")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getInt(3) + " " + rs.getString(4));
            }
        }
        return rows;
    }

    private static int lockedLocks(Connection connection) throws SQLException {
        return count(connection, "SELECT count(*) FROM databasechangeloglock WHERE locked");
    }

    private static int count(Connection connection, String sql) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
