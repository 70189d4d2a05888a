package io.pgwarden.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.FunctionCounter;
import io.pgwarden.TestPlatform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Django 3.2 (Debian's {@code python3-django} and {@code python3-psycopg2}) through schema routing:
 * two services as two schemas of one physical database {@code shop}, one in session mode and one in
 * transaction mode, each running the same Django project (test resources
 * {@code io/pgwarden/routing/django}) with nothing but pgwarden's host, port, logical database and
 * the service's password. Skipped when no {@code python3} can import django and psycopg2; the
 * system property {@code pgwarden.test.python} names the interpreter to use (and only it).
 */
@EnabledIf(value = "djangoInstalled", disabledReason = "skipped: no python3 can import django and psycopg2"
        + " (apt-get install python3-django python3-psycopg2, or -Dpgwarden.test.python=/path/to/python3)")
class DjangoSchemaRoutingIT {

    static final String CONFIG = """
            listen: {host: 127.0.0.1, port: 0}
            backends:
              main: {host: 127.0.0.1, port: "${PG_PORT}", admin_user: postgres}
            databases:
              stock:   {backend: main, dbname: shop, schema: stock, user: stock_owner, password: stock-db-pw}
              # one server connection for the whole of Django's session, transaction by transaction
              billing: {backend: main, dbname: shop, schema: billing, user: billing_owner, password: billing-db-pw,
                        pool_mode: transaction, pool_size: 1}
              # the same, for a Django that leaves its server-side cursors on
              billing_cursors: {backend: main, dbname: shop, schema: billing, user: billing_owner, password: billing-db-pw,
                                pool_mode: transaction, pool_size: 1}
            services:
              stock-service: {password: stock-pw, databases: [stock]}
              billing-service: {password: billing-pw, databases: [billing, billing_cursors]}
            """;

    /** A service, its schema (and logical database of the same name) and the role that owns the schema. */
    enum Service {
        SESSION("stock-service", "stock-pw", "stock", "stock_owner"),
        TRANSACTION("billing-service", "billing-pw", "billing", "billing_owner");

        final String name;
        final String password;
        final String schema;
        final String role;

        Service(String name, String password, String schema, String role) {
            this.name = name;
            this.password = password;
            this.schema = schema;
            this.role = role;
        }

        String database() {
            return schema;
        }

        Service other() {
            return this == SESSION ? TRANSACTION : SESSION;
        }
    }

    /** Every table Django's migrate makes for the project: contenttypes, auth, ledger and its own history. */
    private static final List<String> DJANGO_TABLES = List.of("auth_group", "auth_group_permissions", "auth_permission",
            "auth_user", "auth_user_groups", "auth_user_user_permissions", "django_content_type", "django_migrations",
            "ledger_account", "ledger_entry");

    private static final long TIMEOUT_SECONDS = 120;

    private static String python;
    private static Path project;
    private static TestPlatform platform;
    /** The first {@code migrate} of each service, run before any test. */
    private static final Map<Service, Result> FIRST_MIGRATE = new EnumMap<>(Service.class);

    /** Decided before the platform starts: without Django there is nothing to run. */
    static boolean djangoInstalled() {
        return pythonWithDjango() != null;
    }

    @BeforeAll
    static void start() throws Exception {
        python = Objects.requireNonNull(pythonWithDjango(), "django was importable a moment ago");
        project = Path.of(Objects.requireNonNull(DjangoSchemaRoutingIT.class.getResource("django/manage.py")).toURI())
                .getParent();
        platform = TestPlatform.start(CONFIG, Map.of());
        for (Service service : Service.values()) {
            FIRST_MIGRATE.put(service, manage(service, "migrate"));
        }
    }

    @AfterAll
    static void stop() {
        if (platform != null) {
            platform.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Service.class)
    void migrateCreatesDjangosTablesInTheServicesSchemaAndASecondRunHasNothingToDo(Service service) throws Exception {
        Result first = FIRST_MIGRATE.get(service);
        assertEquals(0, first.exitCode(), first.output());
        for (String migration : List.of("contenttypes.0001_initial", "auth.0001_initial", "ledger.0001_initial",
                "ledger.0002_entry_note")) {
            assertTrue(first.output().contains("Applying " + migration + "... OK"), first.output());
        }

        Result second = manage(service, "migrate");

        assertEquals(0, second.exitCode(), second.output());
        assertTrue(second.output().contains("No migrations to apply."), second.output());
        assertTrue(!second.output().contains("Applying"), second.output());
        assertEquals(DJANGO_TABLES, admin("SELECT tablename FROM pg_tables WHERE schemaname = ? ORDER BY 1", service.schema));
        // the history Django read back on the second run is the one in the schema
        assertEquals(List.of("ledger 0001_initial", "ledger 0002_entry_note"), admin(
                "SELECT app || ' ' || name FROM " + service.schema + ".django_migrations WHERE app = 'ledger' ORDER BY id"));
    }

    @Test
    void nothingLandedInPublicAndEverySchemaHoldsOnlyItsOwnersRelations() throws Exception {
        // tables, sequences, indexes, and the types of the tables, of every schema but PostgreSQL's own
        List<String> relations = admin("SELECT n.nspname || ' ' || pg_get_userbyid(c.relowner) || ' ' || count(*)"
                + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
                + " AND n.nspname NOT LIKE 'pg_temp%' GROUP BY n.nspname, c.relowner ORDER BY 1");
        List<String> types = admin("SELECT DISTINCT n.nspname || ' ' || pg_get_userbyid(t.typowner) FROM pg_type t"
                + " JOIN pg_namespace n ON n.oid = t.typnamespace"
                + " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1");

        List<String> owners = Arrays.stream(Service.values()).map(s -> s.schema + " " + s.role).sorted().toList();
        assertEquals(owners, relations.stream().map(line -> line.substring(0, line.lastIndexOf(' '))).toList(), relations.toString());
        assertEquals(owners, types);
    }

    @ParameterizedTest
    @EnumSource(Service.class)
    void djangoCreatesReadsUpdatesAndDeletesInAtomicTransactions(Service service) throws Exception {
        String account = service.name + "-crud";

        Result crud = manage(service, "crud", account);

        assertCrudRan(service, account, crud);
    }

    @Test
    void twoDjangosShareTheOneServerOfTheTransactionModeDatabaseAndNeitherIsPinned() throws Exception {
        Service service = Service.TRANSACTION;
        Running first = start(service, service.database(), true, "crud", service.name + "-concurrent-1");
        Running second = start(service, service.database(), true, "crud", service.name + "-concurrent-2");

        assertCrudRan(service, service.name + "-concurrent-1", first.await());
        assertCrudRan(service, service.name + "-concurrent-2", second.await());
        // DISABLE_SERVER_SIDE_CURSORS: nothing Django sent on this database (here or in a test before) pinned its client
        assertEquals(Map.of(), pins(service.database()));
    }

    @Test
    void withServerSideCursorsLeftOnTransactionModeDjangoWorksButItsIteratorPinsIt() throws Exception {
        String account = Service.TRANSACTION.name + "-cursors";

        Result crud = start(Service.TRANSACTION, "billing_cursors", false, "crud", account).await();

        assertCrudRan(Service.TRANSACTION, account, crud);
        // iterator() outside a transaction: DECLARE ... WITH HOLD, then FETCH, CLOSE, each in autocommit
        assertEquals(Map.of("hold_cursor", 1.0), pins("billing_cursors"));
    }

    /** What the {@code crud} command prints and leaves behind in the schema. */
    private static void assertCrudRan(Service service, String account, Result crud) throws SQLException {
        assertEquals(0, crud.exitCode(), crud.output());
        assertEquals(List.of(
                "created 5 entries, sum 150",
                "updated 4",
                "duplicate e2: 23505, rolled back to the savepoint",
                "deleted 1",
                "e6 rolled back",
                "e1 10 first",
                "e2 20 -",
                "e3 31 raised",
                "e4 41 raised",
                "opened at UTC offset 0:00:00",
                "schema " + service.schema), crud.lines(), crud.output());
        assertEquals(List.of("e1 10 first", "e2 20 ", "e3 31 raised", "e4 41 raised"), admin(
                "SELECT e.label || ' ' || e.amount || ' ' || e.note FROM " + service.schema + ".ledger_entry e JOIN "
                        + service.schema + ".ledger_account a ON a.id = e.account_id WHERE a.name = ? ORDER BY e.label", account));
    }

    /** pgwarden's count of pins of {@code database}'s clients so far, by reason, leaving out reasons never seen. */
    private static Map<String, Double> pins(String database) {
        Map<String, Double> pins = new TreeMap<>();
        for (FunctionCounter counter : platform.pgwarden().observability().metrics().registry().find("pgwarden.pins")
                .tag("database", database).functionCounters()) {
            if (counter.count() > 0) {
                pins.put(counter.getId().getTag("reason"), counter.count());
            }
        }
        return pins;
    }

    @Test
    void eachServicesDjangoSeesExactlyTheAccountsOfItsOwnSchema() throws Exception {
        for (Service service : Service.values()) {
            admin("INSERT INTO " + service.schema + ".ledger_account (name, opened) VALUES (?, now())",
                    service.name + "-seeded-by-admin");
        }
        for (Service service : Service.values()) {
            Result accounts = manage(service, "accounts");

            assertEquals(0, accounts.exitCode(), accounts.output());
            List<String> inSchema = admin("SELECT a.name || ' ' || (SELECT count(*) FROM " + service.schema
                    + ".ledger_entry e WHERE e.account_id = a.id) FROM " + service.schema + ".ledger_account a ORDER BY a.name");
            assertEquals(inSchema, accounts.lines());
            assertTrue(accounts.lines().contains(service.name + "-seeded-by-admin 0"), accounts.output());
            assertTrue(accounts.lines().stream().allMatch(line -> line.startsWith(service.name + "-")), accounts.output());
        }
    }

    @ParameterizedTest
    @EnumSource(Service.class)
    void aServicesDjangoThatNamesTheOtherSchemaGetsPostgresPermissionDenied(Service service) throws Exception {
        Result own = manage(service, "select_from", service.schema);
        Result other = manage(service, "select_from", service.other().schema);

        assertEquals(0, own.exitCode(), own.output());
        assertTrue(own.output().startsWith("count "), own.output());
        assertEquals(0, other.exitCode(), other.output());
        assertTrue(other.output().startsWith("sqlstate 42501: permission denied for schema " + service.other().schema),
                other.output());
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private record Result(int exitCode, String output) {
        List<String> lines() {
            return output.lines().toList();
        }
    }

    /** {@code python3 manage.py ARGS} of the project as {@code service} on its own logical database, through pgwarden. */
    private static Result manage(Service service, String... args) throws IOException, InterruptedException {
        return start(service, service.database(), service == Service.TRANSACTION, args).await();
    }

    /**
     * Starts {@code python3 manage.py ARGS} as {@code service} on {@code database}, through pgwarden, with
     * Django's {@code DISABLE_SERVER_SIDE_CURSORS} as given; stdout and stderr go to one file.
     */
    private static Running start(Service service, String database, boolean disableServerSideCursors, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(python, "manage.py"));
        command.addAll(List.of(args));
        command.add("--no-color");
        Path log = Files.createTempFile("django", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(project.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.put("PGWARDEN_PORT", String.valueOf(platform.pgwarden().port()));
        env.put("PGWARDEN_DATABASE", database);
        env.put("PGWARDEN_USER", service.name);
        env.put("PGWARDEN_PASSWORD", service.password);
        env.put("PGWARDEN_DISABLE_SERVER_SIDE_CURSORS", disableServerSideCursors ? "1" : "0");
        env.put("PYTHONDONTWRITEBYTECODE", "1"); // the project is in target/test-classes: leave it as it is
        try {
            return new Running(builder.start(), log, command);
        } catch (IOException e) {
            Files.delete(log);
            throw e;
        }
    }

    private record Running(Process process, Path log, List<String> command) {
        /** Waits for the command (killed after the timeout) and returns its exit code and output. */
        Result await() throws IOException, InterruptedException {
            try {
                if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    return new Result(-1, "timed out after " + TIMEOUT_SECONDS + " s: " + command + "\n"
                            + Files.readString(log, StandardCharsets.UTF_8));
                }
                return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
            } finally {
                Files.delete(log);
            }
        }
    }

    /**
     * The first interpreter that imports django and psycopg2: {@code pgwarden.test.python} when set,
     * else {@code python3} on the PATH, then Debian's {@code /usr/bin/python3} (the packages install
     * there, and a pyenv or venv {@code python3} first on the PATH does not see them). Null if none.
     */
    private static String pythonWithDjango() {
        String chosen = System.getProperty("pgwarden.test.python");
        List<String> candidates = chosen != null ? List.of(chosen) : List.of("python3", "/usr/bin/python3");
        for (String candidate : candidates) {
            try {
                Process probe = new ProcessBuilder(candidate, "-c", "import django, psycopg2")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0) {
                    return candidate;
                }
                probe.destroyForcibly();
            } catch (IOException e) {
                // not installed: try the next
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /** Runs {@code sql} with {@code parameters} as the admin directly on {@code shop}; the first column of every row, if any. */
    private static List<String> admin(String sql, String... parameters) throws SQLException {
        try (Connection admin = platform.postgres().adminDataSource("shop").getConnection();
             PreparedStatement st = admin.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                st.setString(i + 1, parameters[i]);
            }
            List<String> values = new ArrayList<>();
            if (st.execute()) {
                try (ResultSet rs = st.getResultSet()) {
                    while (rs.next()) {
                        values.add(rs.getString(1));
                    }
                }
            }
            return values;
        }
    }
}
