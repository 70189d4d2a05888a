package io.pgwarden.cli;

import io.pgwarden.Pgwarden;
import io.pgwarden.config.BackendConfig;
import io.pgwarden.config.ListenConfig;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.embedded.EmbeddedPostgresServer;
import io.pgwarden.provision.ProvisionReport;
import io.pgwarden.provision.Provisioner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything {@code pgwarden demo} runs: an embedded PostgreSQL per {@code embedded: true} backend,
 * provisioned, and pgwarden in front. {@link #close()} stops pgwarden first, then the servers.
 */
final class Demo implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Demo.class);

    /**
     * @param listenPort    replaces the config's listen port when not null (0: a free port)
     * @param postgresPort  replaces the embedded backend's port when not null (0: a free port)
     * @param dataDirectory each embedded backend keeps its data in {@code <dataDirectory>/<backend>}
     */
    record Settings(Integer listenPort, Integer postgresPort, Path dataDirectory) {
    }

    private final List<EmbeddedPostgresServer> servers;
    private final PgwardenConfig config;
    private final ProvisionReport provisioned;
    private final Pgwarden pgwarden;

    private Demo(List<EmbeddedPostgresServer> servers, PgwardenConfig config, ProvisionReport provisioned,
                 Pgwarden pgwarden) {
        this.servers = servers;
        this.config = config;
        this.provisioned = provisioned;
        this.pgwarden = pgwarden;
    }

    static Demo start(PgwardenConfig config, Settings settings) throws Exception {
        List<EmbeddedPostgresServer> servers = new ArrayList<>();
        try {
            PgwardenConfig running = startEmbeddedBackends(config, settings, servers);
            ProvisionReport provisioned = new Provisioner().provision(running);
            Pgwarden pgwarden = new Pgwarden(running).start();
            return new Demo(servers, running, provisioned, pgwarden);
        } catch (Exception | Error e) {
            closeAll(servers);
            throw e;
        }
    }

    /** Starts the servers and returns the config pointing at them (their ports may have been free ones). */
    private static PgwardenConfig startEmbeddedBackends(PgwardenConfig config, Settings settings,
                                                        List<EmbeddedPostgresServer> servers) throws Exception {
        long embedded = config.backends().values().stream().filter(BackendConfig::embedded).count();
        if (settings.postgresPort() != null && settings.postgresPort() != 0 && embedded > 1) {
            throw new IllegalArgumentException("--pg-port can only be a fixed port with one embedded backend; "
                    + "this config has " + embedded + " (use 0 for free ports)");
        }
        Map<String, BackendConfig> backends = new LinkedHashMap<>();
        for (BackendConfig backend : config.backends().values()) {
            if (!backend.embedded()) {
                backends.put(backend.name(), backend);
                continue;
            }
            int port = settings.postgresPort() != null ? settings.postgresPort() : backend.port();
            EmbeddedPostgresServer server =
                    EmbeddedPostgresServer.start(port, settings.dataDirectory().resolve(backend.name()));
            servers.add(server);
            backends.put(backend.name(), backend.withAddress(server.host(), server.port()));
        }
        ListenConfig listen = settings.listenPort() == null
                ? config.listen()
                : new ListenConfig(config.listen().host(), settings.listenPort(), config.listen().eventLoops());
        return config.withListen(listen).withBackends(backends);
    }

    /** The config actually running: embedded backends and the listener on their real ports. */
    PgwardenConfig config() {
        return config;
    }

    ProvisionReport provisioned() {
        return provisioned;
    }

    List<EmbeddedPostgresServer> servers() {
        return servers;
    }

    int port() {
        return pgwarden.port();
    }

    void awaitClose() throws InterruptedException {
        pgwarden.awaitClose();
    }

    @Override
    public void close() {
        try {
            pgwarden.close();
        } finally {
            closeAll(servers);
        }
    }

    /** In reverse start order, and on past a server that fails to stop: the others must still go. */
    private static void closeAll(List<EmbeddedPostgresServer> servers) {
        for (int i = servers.size() - 1; i >= 0; i--) {
            try {
                servers.get(i).close();
            } catch (RuntimeException e) {
                log.warn("could not stop the embedded PostgreSQL on port {}: {}", servers.get(i).port(), e.getMessage());
            }
        }
    }
}
