package io.pgwarden.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgwarden.Eventually;
import io.pgwarden.TestPlatform;
import io.pgwarden.embedded.PostgresBinaries;
import io.pgwarden.pool.PinReason;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pg_dump and pg_restore through transaction mode, several times in a row (issue 11, item 7).
 * pg_dump runs SQL-level {@code PREPARE dumpFunc(...)} (and dumpAgg, dumpOpr, dumpDomain, ...)
 * inside its transaction; prepared statements outlive it, so without pinning they stay on the pooled
 * server and the next pg_dump there stops with {@code prepared statement "dumpfunc" already exists}.
 *
 * <p>The pg_dump here is the system's, which on Debian 12 (and so in CI, see .ci/run) is 15, and a
 * pg_dump refuses a server newer than itself; so this class runs its own PostgreSQL 15.13 (zonky's
 * binaries, copied by proxy/pom.xml, pgwarden.test.postgres15.binaries), not the 17 of the other ITs.
 * Skipped with a message when there is no pg_dump and pg_restore 15.
 *
 * <p>{@code pg_dump -j 2} holds three servers at once: the leader keeps its transaction open (its
 * exported snapshot) while both workers dump. Each of them pins (its {@code SET}s, the leader also
 * its {@code PREPARE}s), hence {@code max_pinned: 3} on a pool of 3, shared by the runs in turn.
 */
class PgDumpIT {

    private static final String CONFIG = """
            listen: {host: 127.0.0.1, port: 0}
            http: {host: 127.0.0.1, port: 0}
            admin_services: [ops]
            backends:
              pg15: {host: 127.0.0.1, port: "${PG_PORT}", admin_user: postgres}
            databases:
              # session mode: where the test makes what is dumped
              shop: {backend: pg15, dbname: shop_db, user: shop_owner, password: shop-db-pw}
              # the same physical database in transaction mode: what pg_dump reads
              shop_tx: {backend: pg15, dbname: shop_db, user: shop_owner, password: shop-db-pw, pool_mode: transaction, pool_size: 3, max_pinned: 3}
              # a fresh database per round for pg_restore, in transaction mode too
              restore_1: {backend: pg15, dbname: restore_db_1, user: shop_owner, password: shop-db-pw, pool_mode: transaction, pool_size: 3, max_pinned: 3}
              restore_2: {backend: pg15, dbname: restore_db_2, user: shop_owner, password: shop-db-pw, pool_mode: transaction, pool_size: 3, max_pinned: 3}
              restore_3: {backend: pg15, dbname: restore_db_3, user: shop_owner, password: shop-db-pw, pool_mode: transaction, pool_size: 3, max_pinned: 3}
              # without pinning, on one server: pgwarden before pinning
              shop_unpinned: {backend: pg15, dbname: shop_db, user: shop_owner, password: shop-db-pw, pool_mode: transaction, pool_size: 1, pinning: "off"}
            services:
              dump-service: {password: dump-pw, databases: [shop, shop_tx, restore_1, restore_2, restore_3, shop_unpinned]}
              ops: {password: ops-pw}
            pool:
              query_wait_timeout: 10s
              server_connect_timeout: 3s
            """;

    private static final String SERVICE = "dump-service";
    private static final String PASSWORD = "dump-pw";
    private static final int ROUNDS = 3;

    /** What pg_dump's prepared queries read: functions, an aggregate, operators, domains, enum, range and composite types, partitions. */
    private static final List<String> OBJECTS = List.of(
            "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
            "CREATE TYPE floatrange AS RANGE (subtype = float8, subtype_diff = float8mi)",
            "CREATE TYPE address AS (street text, city text, zip text)",
            "CREATE DOMAIN positive_int AS int CHECK (VALUE > 0)",
            "CREATE DOMAIN email AS text NOT NULL CONSTRAINT has_at CHECK (VALUE LIKE '%@%')",
            "CREATE FUNCTION add_one(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT x + 1'",
            "CREATE FUNCTION greet(name text, punct text DEFAULT '!') RETURNS text LANGUAGE plpgsql"
                    + " AS $$BEGIN RETURN 'hello ' || name || punct; END$$",
            "CREATE FUNCTION same_city(a address, b address) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT a.city = b.city'",
            "CREATE OPERATOR === (LEFTARG = address, RIGHTARG = address, FUNCTION = same_city, COMMUTATOR = ===)",
            "CREATE FUNCTION near(a int, b int) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT abs(a - b) <= 1'",
            "CREATE OPERATOR ~~~ (LEFTARG = int, RIGHTARG = int, FUNCTION = near)",
            "CREATE FUNCTION mood_step(state int, m mood) RETURNS int LANGUAGE sql IMMUTABLE"
                    + " AS 'SELECT state + array_position(enum_range(NULL::mood), m)'",
            "CREATE AGGREGATE mood_score(mood) (SFUNC = mood_step, STYPE = int, INITCOND = '0')",
            "CREATE SEQUENCE ticket_no START 1000 INCREMENT 7",
            "CREATE TABLE customers (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email email, home address,"
                    + " mood mood NOT NULL DEFAULT 'ok', credit positive_int)",
            "CREATE UNIQUE INDEX customers_email ON customers (email)",
            "CREATE TABLE orders (id bigint PRIMARY KEY DEFAULT nextval('ticket_no'), customer_id int NOT NULL REFERENCES customers,"
                    + " amount numeric(10, 2), during floatrange, note text)",
            "CREATE INDEX orders_customer ON orders (customer_id)",
            "CREATE INDEX orders_note_lower ON orders (lower(note))",
            "CREATE TABLE events (id int, at date NOT NULL, payload text) PARTITION BY RANGE (at)",
            "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
            "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
            "CREATE VIEW customer_totals AS SELECT c.id, c.email, add_one(count(o.id)::int) AS orders_plus_one,"
                    + " sum(o.amount) AS total, mood_score(c.mood) AS score FROM customers c LEFT JOIN orders o ON o.customer_id = c.id"
                    + " GROUP BY c.id, c.email",
            "INSERT INTO customers (email, home, mood, credit) SELECT 'c' || g || '@example.com',"
                    + " ROW(g || ' Main St', CASE WHEN g % 2 = 0 THEN 'Oslo' ELSE 'Lima' END, lpad(g::text, 5, '0'))::address,"
                    + " (enum_range(NULL::mood))[1 + g % 3], g FROM generate_series(1, 500) g",
            "INSERT INTO orders (customer_id, amount, during, note) SELECT 1 + g % 500, (g % 1000) / 7.0,"
                    + " floatrange(g, g + 1.5), CASE WHEN g % 10 = 0 THEN NULL ELSE 'Note ' || g END FROM generate_series(1, 5000) g",
            "INSERT INTO events SELECT g, date '2025-06-01' + (g % 400), repeat('x', g % 50) FROM generate_series(1, 20000) g");

    /**
     * What must come back from a restore, one line per object: each function, aggregate, operator,
     * type (enum labels too), constraint, relation (index and view definitions too), column, and
     * sequence value in the public schema.
     */
    private static final String SCHEMA_FINGERPRINT = """
            SELECT line FROM (
              SELECT 'function ' || p.oid::regprocedure || ' ' || p.prokind::text || ' ' || md5(p.prosrc) AS line
                FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
              UNION ALL SELECT 'aggregate ' || a.aggfnoid::regprocedure || ' ' || a.aggtransfn::regproc || ' ' || coalesce(a.agginitval, '')
                FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid WHERE p.pronamespace = 'public'::regnamespace
              UNION ALL SELECT 'operator ' || o.oid::regoperator || ' ' || o.oprcode::regproc || ' ' || o.oprcom::regoperator
                FROM pg_operator o WHERE o.oprnamespace = 'public'::regnamespace
              UNION ALL SELECT 'type ' || format_type(t.oid, NULL) || ' ' || t.typtype::text
                       || CASE WHEN t.typnotnull THEN ' not null ' ELSE ' ' END
                       || coalesce((SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '')
                FROM pg_type t WHERE t.typnamespace = 'public'::regnamespace AND t.typtype <> 'b'
                 AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
              UNION ALL SELECT 'constraint ' || CASE WHEN c.conrelid <> 0 THEN c.conrelid::regclass::text ELSE c.contypid::regtype::text END
                       || ' ' || c.conname
                       || ' ' || pg_get_constraintdef(c.oid)
                FROM pg_constraint c WHERE c.connamespace = 'public'::regnamespace
              UNION ALL SELECT 'relation ' || c.relkind::text || ' ' || c.relname || ' '
                       || CASE WHEN c.relkind IN ('i', 'I') THEN pg_get_indexdef(c.oid)
                               WHEN c.relkind = 'v' THEN pg_get_viewdef(c.oid)
                               WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) ELSE '' END
                FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
              UNION ALL SELECT 'column ' || a.attrelid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END || ' ' || a.attidentity::text
                       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
                FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v') AND a.attnum > 0 AND NOT a.attisdropped
              UNION ALL SELECT 'sequence ' || s.sequencename || ' ' || coalesce(s.last_value::text, 'unused')
                FROM pg_sequences s WHERE s.schemaname = 'public'
            ) objects ORDER BY line""";

    /** The tables holding rows (partitions, not their parent): each one's count and a digest of its rows. */
    private static final String TABLES = """
            SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' ORDER BY 1""";

    private static TestPlatform platform;
    private static Path pgDump;
    private static Path pgRestore;
    /** Why the tests are skipped, or null when they run. */
    private static String skipped;

    @BeforeAll
    static void start() throws Exception {
        Optional<Path> dump = fifteen("pg_dump");
        Optional<Path> restore = fifteen("pg_restore");
        Optional<PostgresBinaries> binaries = TestPlatform.postgres15Binaries();
        if (dump.isEmpty() || restore.isEmpty()) {
            skipped = "skipped: needs pg_dump and pg_restore 15 on the PATH (Debian 12's postgresql-client, which"
                    + " .ci/run installs); found pg_dump " + describe("pg_dump") + ", pg_restore " + describe("pg_restore");
            return;
        }
        if (binaries.isEmpty()) {
            skipped = "skipped: pgwarden.test.postgres15.binaries is unset (failsafe sets it to the zonky PostgreSQL 15"
                    + " jar, see proxy/pom.xml)";
            return;
        }
        pgDump = dump.get();
        pgRestore = restore.get();
        platform = TestPlatform.start(CONFIG, Map.of(), binaries.get());
        try (Connection c = connect("shop"); Statement st = c.createStatement()) {
            assertTrue(single(st, "SHOW server_version").startsWith("15."), "the backend is PostgreSQL 15");
            for (String sql : OBJECTS) {
                st.execute(sql);
            }
            st.execute("SELECT nextval('ticket_no')");
        }
    }

    /** Per test, not in {@code @BeforeAll}: failsafe's report keeps a skipped test's message, not a skipped class's. */
    @BeforeEach
    void needsTheClients() {
        Assumptions.assumeTrue(skipped == null, skipped);
    }

    @AfterAll
    static void stop() {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void parallelDumpsAndRestoresRunOneAfterAnotherThroughTransactionMode(@TempDir Path dir) throws Exception {
        List<String> schema = query("shop_db", SCHEMA_FINGERPRINT);
        Map<String, String> rows = rows("shop_db");
        for (String made : List.of("aggregate mood_score(mood)", "function near(integer,integer)", "operator ===(address,address)",
                "type mood e sad,ok,happy", "type floatrange r", "type address c", "type email d not null", "constraint email has_at",
                "relation v customer_totals", "relation S ticket_no", "relation i orders_note_lower", "relation r events_2026")) {
            assertTrue(schema.stream().anyMatch(line -> line.startsWith(made)), made + " in\n" + String.join("\n", schema));
        }
        assertEquals(List.of("customers", "events_2025", "events_2026", "orders"), List.copyOf(rows.keySet()));

        for (int round = 1; round <= ROUNDS; round++) {
            Path out = dir.resolve("dump-" + round);
            Run dump = run(pgDump, "-Fd", "-j", "2", "-f", out.toString(), "-d", "shop_tx");
            assertEquals(0, dump.exit(), "pg_dump -Fd -j 2, round " + round + ":\n" + dump.output());
            Run restore = run(pgRestore, "-j", "2", "--exit-on-error", "-d", "restore_" + round, out.toString());
            assertEquals(0, restore.exit(), "pg_restore -j 2, round " + round + ":\n" + restore.output());

            assertEquals(schema, query("restore_db_" + round, SCHEMA_FINGERPRINT), "objects restored in round " + round);
            assertEquals(rows, rows("restore_db_" + round), "rows restored in round " + round);
            awaitNothingPinned("shop_tx");
            awaitNothingPinned("restore_" + round);
        }
        // the PREPAREs were seen, once per run (by the leader; its workers only COPY)
        assertTrue(platform.pgwarden().pool("shop_tx").pinned().pinsTotal(PinReason.PREPARED_STATEMENT) >= ROUNDS,
                "pg_dump's PREPAREs pinned its connection");
    }

    /**
     * The failure pinning prevents: with {@code pinning: off} and one server, the first pg_dump leaves
     * its prepared statements on the server and the second stops on them.
     */
    @Test
    void withoutPinningTheSecondDumpFindsTheFirstOnesPreparedStatements(@TempDir Path dir) throws Exception {
        Run first = run(pgDump, "-Fc", "-f", dir.resolve("first.dump").toString(), "-d", "shop_unpinned");
        assertEquals(0, first.exit(), "the first pg_dump:\n" + first.output());

        Run second = run(pgDump, "-Fc", "-f", dir.resolve("second.dump").toString(), "-d", "shop_unpinned");
        assertNotEquals(0, second.exit(), "the second pg_dump:\n" + second.output());
        // the first of its PREPAREs that runs: getDomainConstraints here, dumpFunc with no domain
        assertTrue(Pattern.compile("prepared statement \"(dump|get)\\w+\" already exists").matcher(second.output()).find(),
                second.output());
    }

    private static void awaitNothingPinned(String database) throws Exception {
        Eventually.await(database + ": no client pinned", () -> platform.pgwarden().pool(database).pinned().clients() == 0);
        try (Connection console = platform.console(); Statement st = console.createStatement()) {
            Eventually.await(database + ": every server given back",
                    () -> TestPlatform.poolCount(st, database, "sv_active") == 0
                            && TestPlatform.poolCount(st, database, "cl_active") == 0);
        }
    }

    private static Connection connect(String database) throws SQLException {
        return platform.connect(SERVICE, PASSWORD, database, new Properties());
    }

    private static String single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getString(1);
        }
    }

    /** The first column of every row, straight from PostgreSQL (not through pgwarden). */
    private static List<String> query(String dbname, String sql) throws SQLException {
        try (Connection c = platform.postgres().adminDataSource(dbname).getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            List<String> lines = new ArrayList<>();
            while (rs.next()) {
                lines.add(rs.getString(1));
            }
            return lines;
        }
    }

    /** Each table's row count and the md5 of its rows in order. */
    private static Map<String, String> rows(String dbname) throws SQLException {
        Map<String, String> counts = new java.util.LinkedHashMap<>();
        for (String table : query(dbname, TABLES)) {
            counts.put(table, query(dbname, "SELECT count(*) || ' rows, md5 ' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                    + " FROM public." + table + " t").get(0));
        }
        return counts;
    }

    private record Run(int exit, String output) {
    }

    /** Runs a client through pgwarden as {@link #SERVICE}; its output and errors together. */
    private static Run run(Path program, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(program.toString(), "-h", "127.0.0.1",
                "-p", String.valueOf(platform.pgwarden().port()), "-U", SERVICE));
        command.addAll(List.of(args));
        Path log = Files.createTempFile("pgwarden-pgdump", ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("PGPASSWORD", PASSWORD);
            Process process = builder.start();
            process.getOutputStream().close();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                return new Run(-1, "still running after 60 s: " + command + "\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Run(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** {@code name} on the PATH, if its major version is 15. */
    private static Optional<Path> fifteen(String name) {
        return onPath(name).filter(program -> majorVersion(program) == 15);
    }

    private static String describe(String name) {
        return onPath(name).map(program -> program + " (major " + majorVersion(program) + ")").orElse("none");
    }

    private static Optional<Path> onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isBlank() && Files.isExecutable(Path.of(dir, name))) {
                return Optional.of(Path.of(dir, name));
            }
        }
        return Optional.empty();
    }

    /** From {@code --version}: {@code pg_dump (PostgreSQL) 15.18 (Debian ...)}; 0 when it cannot tell. */
    private static int majorVersion(Path program) {
        try {
            Process process = new ProcessBuilder(program.toString(), "--version").redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return 0;
            }
            Matcher version = Pattern.compile("\\(PostgreSQL\\) (\\d+)").matcher(output);
            return version.find() ? Integer.parseInt(version.group(1)) : 0;
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }
}
