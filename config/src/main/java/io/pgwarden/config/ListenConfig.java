package io.pgwarden.config;

/** The address pgwarden accepts client connections on. */
public record ListenConfig(String host, int port) {
    public static final ListenConfig DEFAULT = new ListenConfig("127.0.0.1", 6432);
}
