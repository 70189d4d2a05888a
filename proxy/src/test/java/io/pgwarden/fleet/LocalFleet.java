package io.pgwarden.fleet;

import io.pgwarden.Pgwarden;
import io.pgwarden.config.ConfigLoader;
import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.embedded.EmbeddedPostgresServer;
import io.pgwarden.metrics.PrometheusText;
import io.pgwarden.provision.Provisioner;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A fleet on one machine: one embedded PostgreSQL 17, three pgwarden replicas in this JVM on ports of
 * their own, each listing all three as peers, and HAProxy in front (round robin) when it is installed.
 * The config gets {@code PG_PORT}, {@code PORT}, {@code HTTP_PORT}, {@code REPLICA}, {@code PEER0..2} filled in.
 */
final class LocalFleet implements AutoCloseable {

    static final int SIZE = 3;

    private final EmbeddedPostgresServer postgres;
    private final int[] ports;
    /** Each replica's HTTP endpoint (when the config has {@code http:} on {@code HTTP_PORT}). */
    private final int[] httpPorts;
    private final String yaml;
    private final Map<String, String> moreVariables;
    private final Pgwarden[] replicas = new Pgwarden[SIZE];
    private Process haproxy;
    private int frontPort;
    private Path haproxyDir;

    private LocalFleet(EmbeddedPostgresServer postgres, int[] ports, int[] httpPorts, String yaml, Map<String, String> moreVariables) {
        this.postgres = postgres;
        this.moreVariables = moreVariables;
        this.ports = ports;
        this.httpPorts = httpPorts;
        this.yaml = yaml;
    }

    static LocalFleet start(String config, Map<String, String> postgresSettings) throws Exception {
        return start(config, postgresSettings, postgresPort -> Map.of());
    }

    /** As {@link #start(String, Map)}, with more config variables made from PostgreSQL's port (a forwarder in front of it, say). */
    static LocalFleet start(String config, Map<String, String> postgresSettings,
                            java.util.function.IntFunction<Map<String, String>> moreVariables) throws Exception {
        EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(0, null, postgresSettings);
        LocalFleet fleet = new LocalFleet(postgres, freePorts(), freePorts(), config, moreVariables.apply(postgres.port()));
        try {
            new Provisioner().provision(fleet.config(0));
            for (int i = 0; i < SIZE; i++) {
                fleet.replicas[i] = new Pgwarden(fleet.config(i)).start();
            }
        } catch (Exception | Error e) {
            fleet.close();
            throw e;
        }
        return fleet;
    }

    private PgwardenConfig config(int replica) throws Exception {
        Map<String, String> env = new HashMap<>(moreVariables);
        env.put("PG_PORT", String.valueOf(postgres.port()));
        env.put("PORT", String.valueOf(ports[replica]));
        env.put("HTTP_PORT", String.valueOf(httpPorts[replica]));
        env.put("REPLICA", String.valueOf(replica));
        for (int i = 0; i < SIZE; i++) {
            env.put("PEER" + i, String.valueOf(ports[i]));
        }
        return ConfigLoader.parse(yaml, "fleet-" + replica + ".yaml", env::get);
    }

    /** Ports free now, for listeners that must know each other's before they start. */
    private static int[] freePorts() throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[SIZE];
            for (int i = 0; i < SIZE; i++) {
                ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    Pgwarden replica(int i) {
        return replicas[i];
    }

    int port(int i) {
        return ports[i];
    }

    /** Replica {@code i} goes away with everything it holds (its server connections close, as on a crash). */
    void kill(int i) {
        replicas[i].close();
        replicas[i] = null;
    }

    /**
     * Replica {@code i} drains as on SIGTERM ({@link Pgwarden#terminate()}) and is gone once it has
     * closed; how long that took, or an exception past {@code timeout}.
     */
    java.time.Duration drain(int i, java.time.Duration timeout) throws Exception {
        Pgwarden replica = replicas[i];
        long start = System.nanoTime();
        replica.terminate();
        java.util.concurrent.CompletableFuture<Void> closed = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                replica.awaitClose();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        replicas[i] = null;
        return java.time.Duration.ofNanos(System.nanoTime() - start);
    }

    /** Replica {@code i} starts again, on its port, with its config. */
    void restart(int i) throws Exception {
        replicas[i] = new Pgwarden(config(i)).start();
    }

    PrometheusText metrics(int i) {
        return PrometheusText.parse(replicas[i].observability().registry().scrape());
    }

    Connection admin() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + postgres.port() + "/postgres?user=postgres");
    }

    /**
     * Starts HAProxy in front of the three replicas (TCP, round robin, a replica that refuses
     * connections is taken out and its clients' connects go to another); false when haproxy is not installed.
     */
    boolean startFront() throws Exception {
        return startFront(false);
    }

    /**
     * As {@link #startFront()}; with {@code readyChecks} HAProxy checks each replica's
     * {@code GET /health/ready} on {@code HTTP_PORT} instead of its listener, so a replica that drains
     * (503) leaves the rotation while it still accepts connections.
     */
    boolean startFront(boolean readyChecks) throws Exception {
        Path binary = Path.of("/usr/sbin/haproxy");
        if (!Files.isExecutable(binary)) {
            return false;
        }
        frontPort = freePorts()[0];
        haproxyDir = Files.createTempDirectory("pgwarden-haproxy");
        StringBuilder cfg = new StringBuilder("""
                global
                  maxconn 2000
                defaults
                  mode tcp
                  retries 3
                  option redispatch
                  timeout connect 2s
                  timeout client 120s
                  timeout server 120s
                listen pgwarden
                """);
        cfg.append("  bind 127.0.0.1:").append(frontPort).append('\n').append("  balance roundrobin\n");
        if (readyChecks) {
            cfg.append("  option httpchk GET /health/ready\n");
        }
        for (int i = 0; i < SIZE; i++) {
            cfg.append("  server replica").append(i).append(" 127.0.0.1:").append(ports[i])
                    .append(" check inter 200ms fall 1 rise 2");
            if (readyChecks) {
                cfg.append(" port ").append(httpPorts[i]);
            }
            cfg.append('\n');
        }
        Path file = haproxyDir.resolve("haproxy.cfg");
        Files.writeString(file, cfg);
        haproxy = new ProcessBuilder(binary.toString(), "-db", "-f", file.toString())
                .redirectErrorStream(true).redirectOutput(haproxyDir.resolve("haproxy.log").toFile()).start();
        io.pgwarden.Eventually.await("HAProxy to listen on 127.0.0.1:" + frontPort, () -> {
            if (!haproxy.isAlive()) {
                throw new IllegalStateException("haproxy exited: " + Files.readString(haproxyDir.resolve("haproxy.log")));
            }
            try (java.net.Socket probe = new java.net.Socket("127.0.0.1", frontPort)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        }, ok -> ok);
        return true;
    }

    int frontPort() {
        return frontPort;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (haproxy != null) {
            haproxy.destroy();
            if (!haproxy.waitFor(5, TimeUnit.SECONDS)) {
                haproxy.destroyForcibly();
            }
        }
        for (int i = 0; i < SIZE; i++) {
            if (replicas[i] != null) {
                replicas[i].close();
            }
        }
        postgres.close();
    }
}
