package io.pgwarden.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rules on values the reader has already typed: ranges, names, references between sections, and
 * which password form suits which auth method. It works on the records; {@link Diagnostics} tells
 * it where each key was written, and a key left to its built-in default is not checked again.
 *
 * <p>Pool values are checked where they are written: a value in {@code pool:} once, at
 * {@code pool.<key>}, and a database's own override at {@code databases.<name>.<key>}.
 * {@code server_idle_timeout} and {@code server_lifetime} need no check: a duration cannot be
 * negative, and 0 means "never".
 */
final class ConfigValidator {

    /** Below this the sampler would be a load of its own on the instance. */
    static final Duration MIN_SAMPLE_INTERVAL = Duration.ofMillis(100);

    /** An audit reads every role and database of the instance: more often would be a load of its own. */
    static final Duration MIN_AUDIT_INTERVAL = Duration.ofSeconds(10);

    /** Far above any scrape interval; also keeps the timer's arithmetic away from overflow. */
    static final Duration MAX_HTTP_READ_TIMEOUT = Duration.ofHours(1);

    /** A drain longer than this is a hang, not a drain. */
    static final Duration MAX_SHUTDOWN_WAIT = Duration.ofHours(1);

    /** PostgreSQL's authentication_timeout allows at most 600 s. */
    static final Duration MAX_LOGIN_TIMEOUT = Duration.ofMinutes(10);
    /** A move holds its database's new transactions this long at most: clients wait, so not for ever. */
    static final Duration MAX_MOVE_TIMEOUT = Duration.ofMinutes(10);

    private final Diagnostics diagnostics;

    ConfigValidator(Diagnostics diagnostics) {
        this.diagnostics = diagnostics;
    }

    void validate(PgwardenConfig config, PoolSettings poolSection) {
        checkRange("listen.port", config.listen().port(), 0, 65_535);
        checkRange("listen.event_loops", config.listen().eventLoops(), 0, 256);
        checkTls(config.listen().tls());
        checkHttp(config);
        checkAdminServices(config);
        config.backends().values().forEach(this::checkBackend);
        checkPool("pool", poolSection);
        config.databases().values().forEach(database -> checkDatabase(database, config));
        checkSharedDatabases(config);
        config.services().values().forEach(service -> checkService(service, config));
        checkLimits(config.limits());
        checkAudit(config.audit());
        checkFleet(config.fleet());
        checkLifecycle(config.lifecycle());
        config.backends().values().forEach(backend -> checkMinimumsFit(backend, config));
    }

    private void checkTls(TlsConfig tls) {
        if (!tls.enabled()) {
            return;
        }
        String why = " is required when listen.tls.mode is " + tls.mode().yamlName();
        checkReadableFile("listen.tls.cert", tls.cert(), "cert" + why);
        checkReadableFile("listen.tls.key", tls.key(), "key" + why);
        if (tls.mode().requiresClientCertificate() && !tls.hasCa()) {
            diagnostics.error(diagnostics.isSet("listen.tls.mode") ? "listen.tls.mode" : "listen.tls",
                    "is " + tls.mode().yamlName() + ": client certificates are checked against listen.tls.ca, which is not set");
        }
        if (tls.hasCa()) {
            checkReadableFile("listen.tls.ca", tls.ca(), "");
        }
        if (!TlsConfig.PROTOCOLS.contains(tls.minVersion())) {
            diagnostics.error("listen.tls.min_version", "must be " + String.join(" or ", TlsConfig.PROTOCOLS)
                    + ", not '" + tls.minVersion() + "'");
        }
        checkCiphers(tls.ciphers());
    }

    /** {@code missing}: the message when the key is not there at all ("" where it cannot be, being optional). */
    private void checkReadableFile(String at, String path, String missing) {
        if (path.isEmpty()) {
            if (diagnostics.isSet(at)) {
                diagnostics.error(at, "must not be empty");
            } else {
                diagnostics.error("listen.tls", missing);
            }
        } else if (!java.nio.file.Files.isRegularFile(java.nio.file.Path.of(path))) {
            diagnostics.error(at, "file '" + path + "' does not exist or is not a file");
        } else if (!java.nio.file.Files.isReadable(java.nio.file.Path.of(path))) {
            diagnostics.error(at, "file '" + path + "' is not readable by this user");
        }
    }

    /** Names this JDK does not know would make every handshake fail at run time. */
    private void checkCiphers(List<String> ciphers) {
        if (ciphers.isEmpty()) {
            diagnostics.error("listen.tls.ciphers", "must name at least one cipher suite");
            return;
        }
        Set<String> supported;
        try {
            supported = Set.of(javax.net.ssl.SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
        } catch (java.security.NoSuchAlgorithmException e) {
            return; // no default TLS context to ask: the proxy reports it when it builds its own
        }
        for (int i = 0; i < ciphers.size(); i++) {
            if (!ciphers.get(i).isEmpty() && !supported.contains(ciphers.get(i))) {
                diagnostics.error(KeyPath.index("listen.tls.ciphers", i), "cipher suite '" + ciphers.get(i)
                        + "' is not supported by this Java runtime (give IANA names, e.g. TLS_AES_128_GCM_SHA256)");
            }
        }
    }

    private void checkAudit(AuditConfig audit) {
        if (audit.enabled() && audit.interval().compareTo(MIN_AUDIT_INTERVAL) < 0) {
            diagnostics.error("audit.interval", "must be 0 (no periodic audit) or at least " + MIN_AUDIT_INTERVAL.toSeconds() + "s");
        }
    }

    private void checkLimits(LimitsConfig limits) {
        checkRange("limits.max_client_connections", limits.maxClientConnections(), 0, 10_000_000);
        checkRange("limits.max_pending_logins", limits.maxPendingLogins(), 0, 1_000_000);
        checkRange("limits.max_pending_logins_per_address", limits.maxPendingLoginsPerAddress(), 0, 1_000_000);
        // below 64 kB even ordinary queries would be refused; above PostgreSQL's own limit it means nothing
        checkRange("limits.max_message_size", limits.maxMessageSize(), 64 * 1024, LimitsConfig.POSTGRES_MAX_MESSAGE_SIZE);
        checkPositive("limits.login_timeout", limits.loginTimeout());
        if (limits.loginTimeout().compareTo(MAX_LOGIN_TIMEOUT) > 0) {
            diagnostics.error("limits.login_timeout", "must be at most 10m: a login pending longer only holds a connection");
        }
        checkRange("limits.auth_failures", limits.authFailures(), 0, 1_000_000);
        checkPositive("limits.auth_failure_window", limits.authFailureWindow());
        checkPositive("limits.auth_failure_max_delay", limits.authFailureMaxDelay());
        if (limits.authFailures() > 0 && limits.loginTimeout().compareTo(Duration.ZERO) > 0
                && limits.authFailureMaxDelay().compareTo(limits.loginTimeout()) >= 0) {
            // a delayed answer must come before the login timeout, else the timeout's other answer would tell the two apart
            diagnostics.error(diagnostics.isSet("limits.auth_failure_max_delay") ? "limits.auth_failure_max_delay" : "limits.login_timeout",
                    "auth_failure_max_delay (" + limits.authFailureMaxDelay().toMillis() + "ms) must be shorter than login_timeout ("
                            + limits.loginTimeout().toMillis() + "ms)");
        }
        String perAddress = "limits.max_pending_logins_per_address";
        if (diagnostics.isSet(perAddress) && limits.maxPendingLogins() > 0
                && limits.maxPendingLoginsPerAddress() > limits.maxPendingLogins()) {
            // else one address could take every pending slot: the per-address limit would protect no one
            diagnostics.error(perAddress, "is " + limits.maxPendingLoginsPerAddress()
                    + ", more than limits.max_pending_logins (" + limits.maxPendingLogins() + ")");
        }
    }

    private void checkFleet(FleetConfig fleet) {
        fleet.replicaId().ifPresent(id -> checkRange("fleet.replica_id", id, 0, FleetConfig.MAX_REPLICA_ID));
        fleet.replicaName().filter(String::isBlank).ifPresent(name -> diagnostics.error("fleet.replica_id",
                "is empty: give a number from 0 to " + FleetConfig.MAX_REPLICA_ID + ", or a pod name to derive it from, or leave it out"));
        checkRange("fleet.expected_replicas", fleet.expectedReplicas(), 1, FleetConfig.MAX_REPLICA_ID + 1);
        checkPositive("fleet.peer_refresh_interval", fleet.peerRefreshInterval());
    }

    private void checkLifecycle(LifecycleConfig lifecycle) {
        if (lifecycle.shutdownDelay().compareTo(MAX_SHUTDOWN_WAIT) > 0) {
            diagnostics.error("shutdown_delay", "must be at most 1h");
        }
        checkPositive("shutdown_timeout", lifecycle.shutdownTimeout());
        if (lifecycle.shutdownTimeout().compareTo(MAX_SHUTDOWN_WAIT) > 0) {
            diagnostics.error("shutdown_timeout", "must be at most 1h");
        }
        if (!lifecycle.shutdownTimeout().isZero() && lifecycle.shutdownTimeout().compareTo(lifecycle.shutdownDelay()) <= 0) {
            // both count from SIGTERM: a timeout within the delay would exit before clients were ever asked to leave
            diagnostics.error(diagnostics.isSet("shutdown_timeout") ? "shutdown_timeout" : "shutdown_delay",
                    "shutdown_timeout (" + lifecycle.shutdownTimeout().toMillis() + "ms) must be longer than shutdown_delay ("
                            + lifecycle.shutdownDelay().toMillis() + "ms): both count from SIGTERM");
        }
    }

    /** The guaranteed minimums of a backend's databases must fit its budget, when the budget is set. */
    private void checkMinimumsFit(BackendConfig backend, PgwardenConfig config) {
        if (backend.maxConnections() <= 0) {
            return; // read from the instance at start, and checked then
        }
        int minimums = config.databasesOn(backend.name()).stream().mapToInt(d -> d.pool().minConnections()).sum();
        if (minimums > backend.maxConnections()) {
            String at = KeyPath.child(KeyPath.child("backends", backend.name()), "max_connections");
            diagnostics.error(at, "is " + backend.maxConnections() + ", less than the min_connections of its databases together ("
                    + minimums + ")");
        }
    }

    private void checkBackend(BackendConfig backend) {
        String at = KeyPath.child("backends", backend.name());
        checkName(at, backend.name());
        checkRange(KeyPath.child(at, "port"), backend.port(), 1, 65_535);
        String sampleInterval = KeyPath.child(at, "sample_interval");
        checkRange(KeyPath.child(at, "max_connections"), backend.maxConnections(), 0, 1_000_000);
        checkRange(KeyPath.child(at, "headroom"), backend.headroom(), 0, 1_000_000);
        checkBackendTls(KeyPath.child(at, "tls"), backend.tls());
        if (diagnostics.isSet(sampleInterval) && !backend.sampleInterval().isZero()
                && backend.sampleInterval().compareTo(MIN_SAMPLE_INTERVAL) < 0) {
            diagnostics.error(sampleInterval, "must be 0 (no sampling) or at least " + MIN_SAMPLE_INTERVAL.toMillis() + "ms");
        }
    }

    /** Files are read when pgwarden starts (a missing or unreadable one stops it, naming the key); here only their combination. */
    private void checkBackendTls(String at, BackendTlsConfig tls) {
        for (String file : List.of("ca", "cert", "key")) {
            String value = file.equals("ca") ? tls.ca() : file.equals("cert") ? tls.cert() : tls.key();
            if (value != null && value.isEmpty()) {
                diagnostics.error(KeyPath.child(at, file), "must not be empty: leave it out for none");
            }
        }
        if (tls.mode() == BackendTlsMode.DISABLE && (tls.ca() != null || tls.cert() != null)) {
            diagnostics.error(KeyPath.child(at, "mode"), "is disable, so ca, cert and key would not be used: leave them out or set a mode");
        }
        if ((tls.mode() == BackendTlsMode.VERIFY_CA || tls.mode() == BackendTlsMode.VERIFY_FULL) && tls.ca() == null) {
            diagnostics.error(KeyPath.child(at, "mode"), "is " + tls.mode().yamlName()
                    + ": give the CA to verify the server's certificate with in " + KeyPath.child(at, "ca"));
        }
        if ((tls.cert() == null) != (tls.key() == null)) {
            diagnostics.error(KeyPath.child(at, tls.cert() == null ? "key" : "cert"), "needs "
                    + KeyPath.child(at, tls.cert() == null ? "cert" : "key") + " too: a client certificate comes with its key");
        }
    }

    private void checkHttp(PgwardenConfig config) {
        HttpConfig http = config.http();
        checkRange("http.port", http.port(), 0, 65_535);
        checkPositive("http.read_timeout", http.readTimeout());
        if (http.readTimeout().compareTo(MAX_HTTP_READ_TIMEOUT) > 0) {
            diagnostics.error("http.read_timeout", "must be at most 1h: a scrape that waits longer holds a connection for nothing");
        }
        checkRange("http.max_connections", http.maxConnections(), 1, 1_000_000);
        if (http.enabled() && http.port() != 0 && http.port() == config.listen().port()) {
            diagnostics.error(diagnostics.isSet("http.port") ? "http.port" : "http",
                    "is the same port as listen.port (" + http.port() + "); the HTTP endpoint needs its own");
        }
    }

    private void checkAdminServices(PgwardenConfig config) {
        List<String> admins = config.adminServices();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < admins.size(); i++) {
            String service = admins.get(i);
            String entry = KeyPath.index("admin_services", i);
            if (service.isEmpty()) {
                continue; // the reader has reported it
            }
            if (!seen.add(service)) {
                diagnostics.error(entry, "service '" + service + "' is listed twice");
            } else if (!config.services().containsKey(service)) {
                diagnostics.error(entry, notDefined("service", service, config.services().keySet()));
            }
        }
    }

    private void checkDatabase(DatabaseConfig database, PgwardenConfig config) {
        String at = KeyPath.child("databases", database.name());
        checkName(at, database.name());
        if (database.name().equals(PgwardenConfig.ADMIN_DATABASE)) {
            diagnostics.error(at, "the name '" + PgwardenConfig.ADMIN_DATABASE
                    + "' is reserved for the admin console; give this database another name (dbname: may stay "
                    + PgwardenConfig.ADMIN_DATABASE + ")");
        }
        String backend = database.backend();
        if (!backend.isEmpty() && !config.backends().containsKey(backend)) {
            diagnostics.error(KeyPath.child(at, "backend"), notDefined("backend", backend, config.backends().keySet()));
        }
        // Both travel in a NUL-terminated StartupMessage field to PostgreSQL.
        checkNoNul(KeyPath.child(at, "dbname"), database.dbname());
        checkNoNul(KeyPath.child(at, "user"), database.user());
        checkNoNul(KeyPath.child(at, "replication_user"), database.replicationUser());
        if (!database.hasReplicationUser() && diagnostics.isSet(KeyPath.child(at, "replication_password"))) {
            diagnostics.error(KeyPath.child(at, "replication_password"), "is set without replication_user: "
                    + "a replication connection logs in as the database's user, with its password");
        }
        checkSchema(at, database);
        checkPool(at, database.pool());
        checkInheritedMinIdle(at, database.pool());
    }

    /** PostgreSQL's NAMEDATALEN less its NUL: a longer name would be cut short without an error. */
    static final int MAX_IDENTIFIER_BYTES = 63;

    private void checkSchema(String at, DatabaseConfig database) {
        String schema = KeyPath.child(at, "schema");
        String name = database.schema();
        if (!diagnostics.isSet(schema)) {
            String withPublic = KeyPath.child(at, "public_schema");
            if (diagnostics.isSet(withPublic)) {
                diagnostics.error(withPublic, "applies only with schema: (a database without one sees its public schema anyway)");
            }
            return;
        }
        if (name.isEmpty()) {
            diagnostics.error(schema, "must not be empty: leave it out to route to the whole database");
        } else if (name.indexOf('\0') >= 0) {
            diagnostics.error(schema, "must not contain a NUL character");
        } else if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_IDENTIFIER_BYTES) {
            diagnostics.error(schema, "'" + name + "' is longer than PostgreSQL's " + MAX_IDENTIFIER_BYTES + " bytes for a name");
        } else if (name.startsWith("pg_")) {
            diagnostics.error(schema, "'" + name + "': names starting with pg_ are reserved for PostgreSQL's system schemas");
        } else if (name.equals("public") || name.equals("information_schema") || name.equals("$user")) {
            diagnostics.error(schema, "'" + name + "' is not a schema of its own" + (name.equals("public")
                    ? ": leave schema out to route to the whole database, public included" : " (PostgreSQL gives it another meaning)"));
        }
    }

    /**
     * Logical databases in one physical database with schemas: each schema (or the database without
     * one) is one role's, and each role has one schema there, so that PostgreSQL itself keeps them
     * apart. Two entries for one schema and role (one per pool mode, say) are the same place.
     * Physical databases without schemas are shared as before, with no such rule.
     */
    private void checkSharedDatabases(PgwardenConfig config) {
        Map<List<String>, List<DatabaseConfig>> byPhysical = new LinkedHashMap<>();
        config.databases().values().forEach(database ->
                byPhysical.computeIfAbsent(List.of(database.backend(), database.dbname()), key -> new ArrayList<>()).add(database));
        byPhysical.forEach((physical, databases) -> {
            if (databases.stream().noneMatch(DatabaseConfig::hasSchema)) {
                return;
            }
            Map<String, DatabaseConfig> bySchema = new HashMap<>();
            Map<String, DatabaseConfig> byRole = new HashMap<>();
            for (DatabaseConfig database : databases) {
                String at = KeyPath.child("databases", database.name());
                String where = "database '" + database.dbname() + "' on backend '" + database.backend() + "'";
                DatabaseConfig sameSchema = bySchema.putIfAbsent(database.schema(), database);
                DatabaseConfig sameRole = byRole.putIfAbsent(database.user(), database);
                if (sameSchema != null && !sameSchema.user().equals(database.user())) {
                    diagnostics.error(database.hasSchema() ? KeyPath.child(at, "schema") : at, (database.hasSchema()
                            ? "schema '" + database.schema() + "' of " + where + " is already databases." + sameSchema.name()
                            : where + " is already databases." + sameSchema.name() + " without a schema")
                            + " (role " + sameSchema.user() + "): give this one a schema of its own"
                            + " (two logical databases may share a schema only with the same user)");
                } else if (sameRole != null && !sameRole.schema().equals(database.schema())) {
                    diagnostics.error(KeyPath.child(at, "user"), "role '" + database.user() + "' is already the role of databases."
                            + sameRole.name() + " (" + describeSchema(sameRole) + ") in " + where
                            + ": each schema needs a role of its own, so that PostgreSQL keeps them apart");
                }
            }
        });
    }

    private static String describeSchema(DatabaseConfig database) {
        return database.hasSchema() ? "schema '" + database.schema() + "'" : "no schema";
    }

    /** The pool keys set at {@code at}; {@code pool} is the merged result there. */
    private void checkPool(String at, PoolSettings pool) {
        checkRange(KeyPath.child(at, "pool_size"), pool.size(), 1, 10_000);
        String minIdle = KeyPath.child(at, "min_idle");
        if (diagnostics.isSet(minIdle) && (pool.minIdle() < 0 || pool.minIdle() > pool.size())) {
            diagnostics.error(minIdle, "must be between 0 and pool_size (" + pool.size() + ")");
        }
        checkPositive(KeyPath.child(at, "query_wait_timeout"), pool.queryWaitTimeout());
        checkPositive(KeyPath.child(at, "server_connect_timeout"), pool.serverConnectTimeout());
        checkPositive(KeyPath.child(at, "move_timeout"), pool.moveTimeout());
        checkAtMost(KeyPath.child(at, "move_timeout"), pool.moveTimeout(), MAX_MOVE_TIMEOUT);
        checkRange(KeyPath.child(at, "prepared_statement_cache_size"), pool.preparedStatementCacheSize(), 1, 100_000);
        checkRange(KeyPath.child(at, "weight"), pool.weight(), 1, 1000);
        checkRange(KeyPath.child(at, "max_client_connections"), pool.maxClientConnections(), 0, 10_000_000);
        checkRange(KeyPath.child(at, "reserve_pool"), pool.reservePool(), 0, 10_000);
        String maxPinned = KeyPath.child(at, "max_pinned");
        if (diagnostics.isSet(maxPinned) && (pool.maxPinned() < 0 || pool.maxPinned() > pool.size())) {
            diagnostics.error(maxPinned, "must be between 0 and pool_size (" + pool.size() + ")");
        }
        String minConnections = KeyPath.child(at, "min_connections");
        if (diagnostics.isSet(minConnections) && (pool.minConnections() < 0 || pool.minConnections() > pool.size())) {
            diagnostics.error(minConnections, "must be between 0 and pool_size (" + pool.size() + ")");
        }
    }

    /** A database that lowers pool_size below the min_idle it inherits from pool:. */
    private void checkInheritedMinIdle(String at, PoolSettings pool) {
        String size = KeyPath.child(at, "pool_size");
        if (diagnostics.isSet(size) && !diagnostics.isSet(KeyPath.child(at, "min_idle"))
                && pool.size() >= 1 && pool.minIdle() > pool.size()) {
            diagnostics.error(size, "must be at least min_idle (" + pool.minIdle() + ", from pool.min_idle)");
        }
    }

    private void checkService(ServiceConfig service, PgwardenConfig config) {
        String at = KeyPath.child("services", service.name());
        checkName(at, service.name());
        checkPassword(KeyPath.child(at, "password"), service);
        if (service.auth().needsCertificate()) {
            TlsConfig tls = config.listen().tls();
            if (!tls.enabled() || !tls.hasCa()) {
                String auth = KeyPath.child(at, "auth");
                diagnostics.error(diagnostics.isSet(auth) ? auth : at, "auth: " + service.auth().yamlName()
                        + " needs client certificates: set listen.tls with a mode other than disable and a ca that signs them");
            }
        }
        checkGrants(KeyPath.child(at, "databases"), service.databases(), config);
        checkRange(KeyPath.child(at, "max_connections"), service.maxConnections(), 0, 10_000_000);
    }

    private void checkPassword(String at, ServiceConfig service) {
        switch (PasswordForm.of(service.password())) {
            case MALFORMED_SCRAM_VERIFIER -> diagnostics.error(at,
                    "is not a valid SCRAM-SHA-256 verifier; expected " + PasswordForm.SCRAM_SHAPE);
            case SCRAM_VERIFIER -> {
                if (service.auth() == AuthMethod.MD5) {
                    diagnostics.error(at, "a SCRAM-SHA-256 verifier cannot answer md5 authentication;"
                            + " with auth: md5 give the plain password or an md5 hash (md5 followed by 32 hex digits)");
                }
            }
            case MD5_HASH -> {
                if (service.auth().usesScram()) {
                    diagnostics.error(at, "an md5 hash cannot answer scram-sha-256 authentication;"
                            + " give the plain password or a SCRAM-SHA-256 verifier, or set auth: md5");
                }
            }
            case PLAIN -> {
                // Answers either method.
            }
        }
    }

    private void checkGrants(String at, List<String> databases, PgwardenConfig config) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < databases.size(); i++) {
            String database = databases.get(i);
            String entry = KeyPath.index(at, i);
            if (database.isEmpty()) {
                continue; // the reader has reported it
            }
            if (!seen.add(database)) {
                diagnostics.error(entry, "database '" + database + "' is listed twice");
            } else if (!config.databases().containsKey(database)) {
                diagnostics.error(entry, notDefined("database", database, config.databases().keySet()));
            }
        }
    }

    /** Backend, database and service names: clients send the last two NUL-terminated, so a NUL could never match. */
    private void checkName(String at, String name) {
        if (name.isEmpty()) {
            diagnostics.error(at, "name must not be empty");
        } else if (name.indexOf('\0') >= 0) {
            diagnostics.error(at, "name must not contain a NUL character");
        }
    }

    private static String notDefined(String kind, String name, Set<String> defined) {
        String message = kind + " '" + name + "' is not defined";
        return defined.isEmpty() ? message : message + "; defined " + kind + "s: " + String.join(", ", defined);
    }

    private void checkNoNul(String at, String value) {
        if (diagnostics.isSet(at) && value.indexOf('\0') >= 0) {
            diagnostics.error(at, "must not contain a NUL character");
        }
    }

    private void checkRange(String at, int value, int min, int max) {
        if (diagnostics.isSet(at) && (value < min || value > max)) {
            diagnostics.error(at, "must be between " + min + " and " + max);
        }
    }

    private void checkAtMost(String at, Duration value, Duration max) {
        if (diagnostics.isSet(at) && value.compareTo(max) > 0) {
            diagnostics.error(at, "must be at most " + max.toMinutes() + "m");
        }
    }

    private void checkPositive(String at, Duration value) {
        if (diagnostics.isSet(at) && (value.isZero() || value.isNegative())) {
            diagnostics.error(at, "must be greater than 0");
        }
    }
}
