package io.pgwarden.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * What a reload changes: the running config against a new, valid file. Pure: the changes, one
 * record each, and the config that will run after the reload (the new file, except for what
 * cannot change live, which keeps its running value). The reload's shell carries it out.
 *
 * @param changes   in the order they are applied: backends before the databases on them, additions
 *                  before removals
 * @param effective the config to run from now on
 */
public record ConfigDiff(List<ConfigChange> changes, PgwardenConfig effective) {

    public ConfigDiff {
        changes = List.copyOf(changes);
    }

    public boolean isEmpty() {
        return changes.isEmpty();
    }

    public List<ConfigChange> of(ConfigChange.Kind kind) {
        return changes.stream().filter(c -> c.kind() == kind).toList();
    }

    /** The pool keys, in the file's spelling, and how each is read. */
    private static final Map<String, Function<PoolSettings, Object>> POOL_KEYS = new LinkedHashMap<>();

    static {
        POOL_KEYS.put("pool_mode", p -> p.mode().name().toLowerCase(java.util.Locale.ROOT));
        POOL_KEYS.put("pool_size", PoolSettings::size);
        POOL_KEYS.put("min_idle", PoolSettings::minIdle);
        POOL_KEYS.put("query_wait_timeout", PoolSettings::queryWaitTimeout);
        POOL_KEYS.put("server_idle_timeout", PoolSettings::serverIdleTimeout);
        POOL_KEYS.put("server_lifetime", PoolSettings::serverLifetime);
        POOL_KEYS.put("server_connect_timeout", PoolSettings::serverConnectTimeout);
        POOL_KEYS.put("reset_query", p -> "'" + p.resetQuery() + "'");
        POOL_KEYS.put("query_timeout", PoolSettings::queryTimeout);
        POOL_KEYS.put("idle_transaction_timeout", PoolSettings::idleTransactionTimeout);
        POOL_KEYS.put("client_idle_timeout", PoolSettings::clientIdleTimeout);
        POOL_KEYS.put("prepared_statement_cache_size", PoolSettings::preparedStatementCacheSize);
        POOL_KEYS.put("min_connections", PoolSettings::minConnections);
        POOL_KEYS.put("weight", PoolSettings::weight);
        POOL_KEYS.put("max_client_connections", PoolSettings::maxClientConnections);
        POOL_KEYS.put("reserve_pool", PoolSettings::reservePool);
        POOL_KEYS.put("reserve_pool_timeout", PoolSettings::reservePoolTimeout);
        POOL_KEYS.put("move_timeout", PoolSettings::moveTimeout);
    }

    /** The changes from {@code running} to {@code file}, and the config to run after them. */
    public static ConfigDiff between(PgwardenConfig running, PgwardenConfig file) {
        List<ConfigChange> changes = new ArrayList<>();
        ListenConfig listen = listen(running.listen(), file.listen(), changes);
        HttpConfig http = file.http();
        if (!running.http().equals(file.http())) {
            changes.add(restart("http"));
            http = running.http();
        }
        LimitsConfig limits = limits(running.limits(), file.limits(), changes);
        if (!running.audit().equals(file.audit())) {
            changes.add(restart("audit")); // the periodic audit is built once, at start
        }
        if (!running.fleet().equals(file.fleet())) {
            changes.add(restart("fleet")); // the replica's identity and its peers are set at start
        }
        if (!running.lifecycle().equals(file.lifecycle())) {
            changes.add(new ConfigChange(ConfigChange.Kind.LIFECYCLE_CHANGED, "", "",
                    settingsChanged(running.lifecycle(), file.lifecycle())));
        }
        Map<String, DatabaseConfig> databases = new LinkedHashMap<>();
        List<ConfigChange> databaseChanges = new ArrayList<>();
        List<ConfigChange> removals = new ArrayList<>();
        file.databases().forEach((name, next) -> {
            DatabaseConfig before = running.databases().get(name);
            if (before == null) {
                databaseChanges.add(new ConfigChange(ConfigChange.Kind.DATABASE_ADDED, name, "", "backend " + next.backend()
                        + ", dbname " + next.dbname() + ", pool_mode " + POOL_KEYS.get("pool_mode").apply(next.pool())
                        + ", pool_size " + next.pool().size()));
                databases.put(name, next);
            } else {
                databases.put(name, database(before, next, databaseChanges));
            }
        });
        running.databases().keySet().stream().filter(name -> !file.databases().containsKey(name))
                .forEach(name -> removals.add(new ConfigChange(ConfigChange.Kind.DATABASE_REMOVED, name, "", "")));
        Map<String, BackendConfig> backends = backends(running, file, changes, removals);
        changes.addAll(databaseChanges);
        services(running, file, changes, removals);
        changes.addAll(removals);
        return new ConfigDiff(changes, new PgwardenConfig(listen, backends, databases, file.services(), http,
                file.adminServices(), limits, running.audit(), running.fleet(), file.lifecycle()));
    }

    private static ListenConfig listen(ListenConfig running, ListenConfig file, List<ConfigChange> changes) {
        if (!running.host().equals(file.host()) || running.port() != file.port()) {
            changes.add(restart("listen.host/listen.port " + running.host() + ":" + running.port() + " -> "
                    + file.host() + ":" + file.port()));
        }
        if (running.eventLoops() != file.eventLoops()) {
            changes.add(restart("listen.event_loops " + running.eventLoops() + " -> " + file.eventLoops()));
        }
        TlsConfig tls = file.tls();
        if (running.tls().enabled() != file.tls().enabled()) {
            changes.add(restart("listen.tls.mode " + running.tls().mode().yamlName() + " -> " + file.tls().mode().yamlName()));
            tls = running.tls();
        } else if (!running.tls().equals(file.tls())) {
            changes.add(new ConfigChange(ConfigChange.Kind.LISTEN_TLS_CHANGED, "", "", settingsChanged(running.tls(), file.tls())));
        }
        return new ListenConfig(running.host(), running.port(), running.eventLoops(), tls);
    }

    /** max_client_connections, login_timeout and max_message_size are read at each login; the others at start. */
    private static LimitsConfig limits(LimitsConfig running, LimitsConfig file, List<ConfigChange> changes) {
        List<String> live = new ArrayList<>();
        note(live, "limits.max_client_connections", running.maxClientConnections(), file.maxClientConnections());
        note(live, "limits.login_timeout", running.loginTimeout(), file.loginTimeout());
        note(live, "limits.max_message_size", running.maxMessageSize(), file.maxMessageSize());
        if (!live.isEmpty()) {
            changes.add(new ConfigChange(ConfigChange.Kind.LIMITS_CHANGED, "", "", String.join(", ", live) + " (new logins)"));
        }
        List<String> fixed = new ArrayList<>();
        note(fixed, "limits.max_pending_logins", running.maxPendingLogins(), file.maxPendingLogins());
        note(fixed, "limits.max_pending_logins_per_address", running.maxPendingLoginsPerAddress(), file.maxPendingLoginsPerAddress());
        note(fixed, "limits.auth_failures", running.authFailures(), file.authFailures());
        note(fixed, "limits.auth_failure_window", running.authFailureWindow(), file.authFailureWindow());
        note(fixed, "limits.auth_failure_max_delay", running.authFailureMaxDelay(), file.authFailureMaxDelay());
        if (!fixed.isEmpty()) {
            changes.add(restart(String.join(", ", fixed)));
        }
        return new LimitsConfig(file.maxClientConnections(), running.maxPendingLogins(), running.maxPendingLoginsPerAddress(),
                file.maxMessageSize(), file.loginTimeout(), running.authFailures(), running.authFailureWindow(),
                running.authFailureMaxDelay());
    }

    /**
     * A database in both files: what of it changes. Everything does, live; another backend or dbname
     * is a move, which the pool carries out over up to move_timeout (new logins already find the new location).
     */
    private static DatabaseConfig database(DatabaseConfig before, DatabaseConfig next, List<ConfigChange> changes) {
        String name = before.name();
        if (!before.backend().equals(next.backend()) || !before.dbname().equals(next.dbname())) {
            changes.add(new ConfigChange(ConfigChange.Kind.DATABASE_MOVED, name, "", "backend/dbname " + before.backend() + "/"
                    + before.dbname() + " -> " + next.backend() + "/" + next.dbname()));
        }
        List<String> login = new ArrayList<>();
        note(login, "user", before.user(), next.user());
        if (!before.password().equals(next.password())) {
            login.add("password changed");
        }
        if (!login.isEmpty()) {
            changes.add(new ConfigChange(ConfigChange.Kind.DATABASE_LOGIN_CHANGED, name, "", String.join(", ", login)));
        }
        List<String> pool = new ArrayList<>();
        POOL_KEYS.forEach((key, read) -> note(pool, key, read.apply(before.pool()), read.apply(next.pool())));
        if (!pool.isEmpty()) {
            changes.add(new ConfigChange(ConfigChange.Kind.POOL_SETTINGS_CHANGED, name, "", String.join(", ", pool)));
        }
        return next;
    }

    /**
     * The backends to run: the file's, where only the budget changes live; one whose address, TLS or
     * admin login changed keeps its running value.
     */
    private static Map<String, BackendConfig> backends(PgwardenConfig running, PgwardenConfig file,
                                                       List<ConfigChange> changes,
                                                       List<ConfigChange> removals) {
        Map<String, BackendConfig> backends = new LinkedHashMap<>();
        file.backends().forEach((name, next) -> {
            BackendConfig before = running.backends().get(name);
            if (before == null) {
                changes.add(new ConfigChange(ConfigChange.Kind.BACKEND_ADDED, name, "", next.host() + ":" + next.port()));
                backends.put(name, next);
                return;
            }
            BackendConfig budgetOnly = new BackendConfig(name, before.host(), before.port(), before.adminUser(),
                    before.adminPassword(), before.adminDatabase(), before.embedded(), before.sampleInterval(),
                    next.maxConnections(), next.headroom(), before.tls());
            if (!budgetOnly.equals(next)) {
                List<String> keys = new ArrayList<>();
                String at = "backends." + name + ".";
                note(keys, at + "host", before.host(), next.host());
                note(keys, at + "port", before.port(), next.port());
                note(keys, at + "admin_user", before.adminUser(), next.adminUser());
                if (!before.adminPassword().equals(next.adminPassword())) {
                    keys.add(at + "admin_password changed");
                }
                note(keys, at + "admin_database", before.adminDatabase(), next.adminDatabase());
                note(keys, at + "embedded", before.embedded(), next.embedded());
                note(keys, at + "sample_interval", before.sampleInterval(), next.sampleInterval());
                if (!before.tls().equals(next.tls())) {
                    keys.add(at + "tls changed");
                }
                changes.add(restart(String.join(", ", keys)));
            }
            List<String> budget = new ArrayList<>();
            note(budget, "max_connections", before.maxConnections(), next.maxConnections());
            note(budget, "headroom", before.headroom(), next.headroom());
            if (!budget.isEmpty()) {
                changes.add(new ConfigChange(ConfigChange.Kind.BACKEND_BUDGET_CHANGED, name, "", String.join(", ", budget)));
            }
            backends.put(name, budgetOnly);
        });
        // a database moving away from a removed backend closes its servers there by itself (the pool keeps its connector)
        running.backends().keySet().stream().filter(name -> !file.backends().containsKey(name))
                .forEach(name -> removals.add(new ConfigChange(ConfigChange.Kind.BACKEND_REMOVED, name, "", "")));
        return backends;
    }

    private static void services(PgwardenConfig running, PgwardenConfig file, List<ConfigChange> changes,
                                 List<ConfigChange> removals) {
        file.services().forEach((name, next) -> {
            ServiceConfig before = running.services().get(name);
            if (before == null) {
                changes.add(new ConfigChange(ConfigChange.Kind.SERVICE_ADDED, name, "", ""));
                return;
            }
            List<String> credentials = new ArrayList<>();
            if (!before.password().equals(next.password())) {
                credentials.add("password changed");
            }
            note(credentials, "auth", before.auth().yamlName(), next.auth().yamlName());
            if (!credentials.isEmpty()) {
                changes.add(new ConfigChange(ConfigChange.Kind.SERVICE_CREDENTIALS_CHANGED, name, "", String.join(", ", credentials)));
            }
            List<String> quota = new ArrayList<>();
            note(quota, "max_connections", before.maxConnections(), next.maxConnections());
            if (!quota.isEmpty()) {
                changes.add(new ConfigChange(ConfigChange.Kind.SERVICE_QUOTA_CHANGED, name, "", quota.get(0)));
            }
            next.databases().stream().filter(db -> !before.isGranted(db))
                    .forEach(db -> changes.add(new ConfigChange(ConfigChange.Kind.GRANT_ADDED, name, db, "")));
            before.databases().stream().filter(db -> !next.isGranted(db))
                    .forEach(db -> removals.add(new ConfigChange(ConfigChange.Kind.GRANT_REVOKED, name, db, "")));
        });
        file.adminServices().stream().filter(name -> !running.isAdminService(name))
                .forEach(name -> changes.add(new ConfigChange(ConfigChange.Kind.ADMIN_GRANTED, name, "", "")));
        running.adminServices().stream().filter(name -> !file.isAdminService(name))
                .forEach(name -> removals.add(new ConfigChange(ConfigChange.Kind.ADMIN_REVOKED, name, "", "")));
        running.services().keySet().stream().filter(name -> !file.services().containsKey(name))
                .forEach(name -> removals.add(new ConfigChange(ConfigChange.Kind.SERVICE_REMOVED, name, "", "")));
    }

    private static ConfigChange restart(String what) {
        return new ConfigChange(ConfigChange.Kind.NEEDS_RESTART, "", "", what);
    }

    private static void note(List<String> into, String key, Object before, Object after) {
        if (!Objects.equals(before, after)) {
            into.add(key + " " + show(before) + " -> " + show(after));
        }
    }

    private static String show(Object value) {
        if (value instanceof Duration duration) {
            long millis = duration.toMillis();
            if (millis == 0) {
                return "0";
            }
            if (millis % 3_600_000 == 0) {
                return millis / 3_600_000 + "h";
            }
            if (millis % 60_000 == 0) {
                return millis / 60_000 + "m";
            }
            return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
        }
        return String.valueOf(value);
    }

    /** The keys of two records of one kind whose values differ, without values (TLS and lifecycle hold no secret, but are long). */
    private static String settingsChanged(Record before, Record after) {
        List<String> keys = new ArrayList<>();
        for (var component : before.getClass().getRecordComponents()) {
            try {
                Object a = component.getAccessor().invoke(before);
                Object b = component.getAccessor().invoke(after);
                note(keys, snake(component.getName()), a, b);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return String.join(", ", keys);
    }

    private static String snake(String camel) {
        return camel.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }
}
