package io.pgwarden.config;

/**
 * The address pgwarden accepts client connections on, and how many event loops carry its clients
 * and server connections.
 *
 * @param eventLoops event-loop threads; 0 means one per CPU core
 * @param tls        TLS with clients; {@link TlsConfig#DISABLED} without {@code listen.tls}
 */
public record ListenConfig(String host, int port, int eventLoops, TlsConfig tls) {
    public static final ListenConfig DEFAULT = new ListenConfig("127.0.0.1", 6432, 0, TlsConfig.DISABLED);

    public ListenConfig(String host, int port) {
        this(host, port, 0);
    }

    /** Without TLS. */
    public ListenConfig(String host, int port, int eventLoops) {
        this(host, port, eventLoops, TlsConfig.DISABLED);
    }

    /** The number of event loops to run on a machine with {@code cores} cores. */
    public int eventLoops(int cores) {
        return eventLoops > 0 ? eventLoops : Math.max(1, cores);
    }
}
