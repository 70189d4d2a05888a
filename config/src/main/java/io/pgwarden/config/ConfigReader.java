package io.pgwarden.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Turns the YAML tree into the model: the file's shape, value types, required keys, defaults and
 * the pool merge. Rules about values that are already well typed (ranges, references between
 * sections, which password form suits which auth method) are {@link ConfigValidator}'s.
 */
final class ConfigReader {

    static final List<String> ROOT_KEYS =
            List.of("listen", "backends", "databases", "services", "pool", "http", "admin_services", "limits", "audit", "fleet",
                    "watch_config", "shutdown_delay", "shutdown_timeout");
    static final List<String> LISTEN_KEYS = List.of("host", "port", "event_loops", "tls");
    static final List<String> TLS_KEYS = List.of("mode", "cert", "key", "ca", "min_version", "ciphers", "reload_interval");
    static final List<String> HTTP_KEYS = List.of("host", "port", "metrics", "read_timeout", "max_connections");
    static final List<String> BACKEND_KEYS = List.of(
            "host", "port", "admin_user", "admin_password", "admin_database", "embedded", "sample_interval",
            "max_connections", "headroom", "tls");
    static final List<String> BACKEND_TLS_KEYS = List.of("mode", "ca", "cert", "key");
    static final List<String> POOL_KEYS = List.of("pool_mode", "pool_size", "min_idle", "query_wait_timeout",
            "server_idle_timeout", "server_lifetime", "server_connect_timeout", "reset_query",
            "query_timeout", "idle_transaction_timeout", "client_idle_timeout", "prepared_statement_cache_size",
            "min_connections", "weight", "max_client_connections", "reserve_pool", "reserve_pool_timeout",
            "pinning", "max_pinned", "pinned_idle_timeout", "move_timeout");
    static final List<String> DATABASE_KEYS = concat(List.of("backend", "dbname", "user", "password", "schema", "public_schema",
            "replication_user", "replication_password"), POOL_KEYS);
    static final List<String> SERVICE_KEYS = List.of("password", "auth", "databases", "max_connections", "replication");
    static final List<String> LIMITS_KEYS = List.of("max_client_connections", "max_pending_logins", "max_pending_logins_per_address",
            "max_message_size", "login_timeout", "auth_failures", "auth_failure_window", "auth_failure_max_delay");

    static final List<String> AUDIT_KEYS = List.of("interval");
    static final List<String> FLEET_KEYS = List.of("replica_id", "expected_replicas", "peers", "peer_refresh_interval");

    static final int DEFAULT_BACKEND_PORT = 5432;
    static final String DEFAULT_ADMIN = "postgres";

    /**
     * @param poolSection the {@code pool:} section over the built-in defaults; the validator checks
     *                    it even when every database overrides it
     */
    record Result(PgwardenConfig config, PoolSettings poolSection) {
    }

    private final Diagnostics diagnostics;

    ConfigReader(Diagnostics diagnostics) {
        this.diagnostics = diagnostics;
    }

    Result read(YamlMap root) {
        root.rejectUnknownKeys(ROOT_KEYS);
        ListenConfig listen = root.map("listen").map(this::readListen).orElse(ListenConfig.DEFAULT);
        HttpConfig http = root.map("http").map(this::readHttp).orElse(HttpConfig.NONE);
        List<String> adminServices = root.stringList("admin_services").orElse(List.of());
        PoolSettings pool = root.map("pool").map(section -> {
            section.rejectUnknownKeys(POOL_KEYS);
            return readPool(section, PoolSettings.DEFAULTS);
        }).orElse(PoolSettings.DEFAULTS);
        Map<String, BackendConfig> backends = readNamed(root, "backends", "backend", this::readBackend);
        Map<String, DatabaseConfig> databases =
                readNamed(root, "databases", "database", (name, map) -> readDatabase(name, map, pool));
        Map<String, ServiceConfig> services = readNamed(root, "services", "service",
                (name, map) -> readService(name, map, adminServices.contains(name)));
        LimitsConfig limits = root.map("limits").map(section -> {
            section.rejectUnknownKeys(LIMITS_KEYS);
            return new LimitsConfig(
                    section.integer("max_client_connections").orElse(LimitsConfig.DEFAULT.maxClientConnections()),
                    section.integer("max_pending_logins").orElse(LimitsConfig.DEFAULT.maxPendingLogins()),
                    section.integer("max_pending_logins_per_address").orElse(LimitsConfig.DEFAULT.maxPendingLoginsPerAddress()),
                    (int) Math.min(Integer.MAX_VALUE, section.value("max_message_size", ByteSizes::parse)
                            .orElse((long) LimitsConfig.DEFAULT.maxMessageSize())),
                    section.duration("login_timeout").orElse(LimitsConfig.DEFAULT.loginTimeout()),
                    section.integer("auth_failures").orElse(LimitsConfig.DEFAULT.authFailures()),
                    section.duration("auth_failure_window").orElse(LimitsConfig.DEFAULT.authFailureWindow()),
                    section.duration("auth_failure_max_delay").orElse(LimitsConfig.DEFAULT.authFailureMaxDelay()));
        }).orElse(LimitsConfig.DEFAULT);
        AuditConfig audit = root.map("audit").map(section -> {
            section.rejectUnknownKeys(AUDIT_KEYS);
            return new AuditConfig(section.duration("interval").orElse(AuditConfig.OFF.interval()));
        }).orElse(AuditConfig.OFF);
        FleetConfig fleet = root.map("fleet").map(this::readFleet).orElse(FleetConfig.NONE);
        LifecycleConfig lifecycle = new LifecycleConfig(
                root.bool("watch_config").orElse(LifecycleConfig.DEFAULT.watchConfig()),
                root.duration("shutdown_delay").orElse(LifecycleConfig.DEFAULT.shutdownDelay()),
                root.duration("shutdown_timeout").orElse(LifecycleConfig.DEFAULT.shutdownTimeout()));
        return new Result(new PgwardenConfig(listen, backends, databases, services, http, adminServices, limits, audit, fleet, lifecycle), pool);
    }

    /** A required section of named entries, at least one. */
    private <T> Map<String, T> readNamed(YamlMap root, String key, String what, BiFunction<String, YamlMap, T> reader) {
        Map<String, T> named = new LinkedHashMap<>();
        if (!root.has(key)) {
            diagnostics.error(key, root.line(), "is required: define at least one " + what);
            return named;
        }
        root.map(key).ifPresent(section -> {
            if (section.isEmpty()) {
                diagnostics.error(key, section.line(), "must define at least one " + what);
            }
            section.namedMaps().forEach((name, map) -> named.put(name, reader.apply(name, map)));
        });
        return named;
    }

    private ListenConfig readListen(YamlMap map) {
        map.rejectUnknownKeys(LISTEN_KEYS);
        return new ListenConfig(
                map.nonEmptyString("host", ListenConfig.DEFAULT.host()),
                map.integer("port").orElse(ListenConfig.DEFAULT.port()),
                map.integer("event_loops").orElse(ListenConfig.DEFAULT.eventLoops()),
                map.map("tls").map(this::readTls).orElse(TlsConfig.DISABLED));
    }

    /** A {@code tls:} section without a mode means TLS for clients that ask for it ({@code prefer}). */
    private TlsConfig readTls(YamlMap map) {
        map.rejectUnknownKeys(TLS_KEYS);
        return new TlsConfig(
                map.value("mode", text -> byYamlName(text, ClientTlsMode.values(), ClientTlsMode::yamlName)).orElse(ClientTlsMode.PREFER),
                map.string("cert", ""),
                map.string("key", ""),
                map.string("ca", ""),
                map.string("min_version", TlsConfig.DEFAULT_MIN_VERSION),
                map.stringList("ciphers").orElse(TlsConfig.DEFAULT_CIPHERS),
                map.duration("reload_interval").orElse(TlsConfig.DEFAULT_RELOAD_INTERVAL));
    }

    private FleetConfig readFleet(YamlMap map) {
        map.rejectUnknownKeys(FLEET_KEYS);
        List<FleetConfig.PeerAddress> peers = new ArrayList<>();
        List<String> entries = map.stringOrList("peers").orElse(List.of());
        for (int i = 0; i < entries.size(); i++) {
            FleetConfig.PeerAddress peer = FleetConfig.PeerAddress.parse(entries.get(i));
            String at = map.isList("peers") ? KeyPath.index(map.pathOf("peers"), i) : map.pathOf("peers");
            if (peer != null && (peer.port() < 1 || peer.port() > 65_535)) {
                diagnostics.error(at, diagnostics.lineOf(at), "port " + peer.port() + " must be between 1 and 65535");
            } else if (peer != null) {
                peers.add(peer);
            } else if (!entries.get(i).isEmpty()) {
                diagnostics.error(at, diagnostics.lineOf(at), "'" + entries.get(i)
                        + "' is not host:port (write e.g. pgwarden-peers.prod.svc.cluster.local:6432, or [::1]:6432)");
            }
        }
        // a number, or a name to derive it from as from HOSTNAME (replica_id: ${POD_NAME})
        Optional<String> replica = map.string("replica_id");
        boolean numeric = replica.isPresent() && replica.get().matches("-?\\d{1,9}");
        return new FleetConfig(
                numeric ? java.util.OptionalInt.of(Integer.parseInt(replica.get())) : java.util.OptionalInt.empty(),
                numeric ? Optional.empty() : replica,
                map.integer("expected_replicas").orElse(FleetConfig.NONE.expectedReplicas()),
                peers,
                map.duration("peer_refresh_interval").orElse(FleetConfig.NONE.peerRefreshInterval()));
    }

    private HttpConfig readHttp(YamlMap map) {
        map.rejectUnknownKeys(HTTP_KEYS);
        return new HttpConfig(
                true,
                map.nonEmptyString("host", HttpConfig.DEFAULT_HOST),
                map.integer("port").orElse(HttpConfig.DEFAULT_PORT),
                map.bool("metrics").orElse(true),
                map.duration("read_timeout").orElse(HttpConfig.DEFAULT_READ_TIMEOUT),
                map.integer("max_connections").orElse(HttpConfig.DEFAULT_MAX_CONNECTIONS));
    }

    private BackendConfig readBackend(String name, YamlMap map) {
        map.rejectUnknownKeys(BACKEND_KEYS);
        return new BackendConfig(
                name,
                map.requiredString("host"),
                map.integer("port").orElse(DEFAULT_BACKEND_PORT),
                map.nonEmptyString("admin_user", DEFAULT_ADMIN),
                map.string("admin_password", ""),
                map.nonEmptyString("admin_database", DEFAULT_ADMIN),
                map.bool("embedded").orElse(false),
                map.duration("sample_interval").orElse(BackendConfig.DEFAULT_SAMPLE_INTERVAL),
                map.integer("max_connections").orElse(0),
                map.integer("headroom").orElse(BackendConfig.DEFAULT_HEADROOM),
                map.map("tls").map(this::readBackendTls).orElse(BackendTlsConfig.DEFAULT));
    }

    private BackendTlsConfig readBackendTls(YamlMap map) {
        map.rejectUnknownKeys(BACKEND_TLS_KEYS);
        return new BackendTlsConfig(
                map.value("mode", text -> byYamlName(text, BackendTlsMode.values(), BackendTlsMode::yamlName)).orElse(BackendTlsConfig.DEFAULT.mode()),
                map.string("ca").orElse(null),
                map.string("cert").orElse(null),
                map.string("key").orElse(null));
    }


    private DatabaseConfig readDatabase(String name, YamlMap map, PoolSettings poolSection) {
        map.rejectUnknownKeys(DATABASE_KEYS);
        return new DatabaseConfig(
                name,
                map.requiredString("backend"),
                map.nonEmptyString("dbname", name),
                map.requiredString("user"),
                map.string("password", ""),
                readPool(map, poolSection),
                map.string("schema", ""),
                map.bool("public_schema").orElse(false),
                map.string("replication_user", ""),
                map.string("replication_password", ""));
    }

    /** The pool keys {@code map} sets, over {@code base}: the merge order is defaults, then pool:, then the database. */
    private static PoolSettings readPool(YamlMap map, PoolSettings base) {
        return new PoolSettings(
                map.value("pool_mode", ConfigReader::poolMode).orElse(base.mode()),
                map.integer("pool_size").orElse(base.size()),
                map.integer("min_idle").orElse(base.minIdle()),
                map.duration("query_wait_timeout").orElse(base.queryWaitTimeout()),
                map.duration("server_idle_timeout").orElse(base.serverIdleTimeout()),
                map.duration("server_lifetime").orElse(base.serverLifetime()),
                map.duration("server_connect_timeout").orElse(base.serverConnectTimeout()),
                map.string("reset_query", base.resetQuery()),
                map.duration("query_timeout").orElse(base.queryTimeout()),
                map.duration("idle_transaction_timeout").orElse(base.idleTransactionTimeout()),
                map.duration("client_idle_timeout").orElse(base.clientIdleTimeout()),
                map.integer("prepared_statement_cache_size").orElse(base.preparedStatementCacheSize()),
                map.integer("min_connections").orElse(base.minConnections()),
                map.integer("weight").orElse(base.weight()),
                map.integer("max_client_connections").orElse(base.maxClientConnections()),
                map.integer("reserve_pool").orElse(base.reservePool()),
                map.duration("reserve_pool_timeout").orElse(base.reservePoolTimeout()),
                map.value("pinning", text -> byYamlName(text, Pinning.values(), Pinning::yamlName)).orElse(base.pinning()),
                map.integer("max_pinned").orElse(base.maxPinned()),
                map.duration("pinned_idle_timeout").orElse(base.pinnedIdleTimeout()),
                map.duration("move_timeout").orElse(base.moveTimeout()));
    }

    /** @param admin listed under admin_services: it may have no databases, the console being all it needs */
    private ServiceConfig readService(String name, YamlMap map, boolean admin) {
        map.rejectUnknownKeys(SERVICE_KEYS);
        AuthMethod auth = map.value("auth", text -> byYamlName(text, AuthMethod.values(), AuthMethod::yamlName)).orElse(AuthMethod.SCRAM_SHA_256);
        String password;
        if (auth == AuthMethod.CERT) {
            if (map.has("password")) {
                diagnostics.error(map.pathOf("password"), "a service with auth: cert logs in with its certificate alone;"
                        + " remove the password, or set auth: scram+cert to ask for both");
            }
            password = "";
        } else {
            password = map.requiredString("password");
        }
        List<String> databases = List.of();
        if (admin) {
            databases = map.stringList("databases").orElse(List.of());
        } else if (!map.has("databases")) {
            diagnostics.error(map.pathOf("databases"), map.line(), "is required: list the databases this service may open");
        } else {
            Optional<List<String>> listed = map.stringList("databases");
            if (listed.isPresent() && listed.get().isEmpty()) {
                diagnostics.error(map.pathOf("databases"), "must name at least one database");
            }
            databases = listed.orElse(List.of());
        }
        return new ServiceConfig(name, password, auth, databases, map.integer("max_connections").orElse(0),
                map.bool("replication").orElse(false));
    }

    private static PoolMode poolMode(String text) {
        for (PoolMode mode : PoolMode.values()) {
            if (mode.yamlName().equals(text)) {
                return mode;
            }
        }
        if (text.equals("statement")) {
            throw new IllegalArgumentException("statement pooling is not supported; use transaction or session");
        }
        throw new IllegalArgumentException("must be " + yamlNames(PoolMode.values(), PoolMode::yamlName) + ", not '" + text + "'");
    }



    /** The value spelled {@code text} in the YAML file; else an error that lists the spellings. */
    private static <E> E byYamlName(String text, E[] values, Function<E, String> yamlName) {
        for (E value : values) {
            if (yamlName.apply(value).equals(text)) {
                return value;
            }
        }
        throw new IllegalArgumentException("must be " + yamlNames(values, yamlName) + ", not '" + text + "'");
    }

    private static <E> String yamlNames(E[] values, Function<E, String> yamlName) {
        return Arrays.stream(values).map(yamlName).collect(Collectors.joining(" or "));
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return List.copyOf(all);
    }
}
