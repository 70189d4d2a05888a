package io.pgwarden.config;

import java.time.Duration;

/**
 * The HTTP endpoint ({@code /metrics}, {@code /health/live}, {@code /health/ready}, {@code /pools}).
 * Without an {@code http:} section there is no endpoint: several pgwardens on one host (and the
 * tests) would otherwise fight over one port. The meters still count, for the admin console.
 *
 * @param enabled        whether the file has an {@code http:} section
 * @param host           address to bind; default {@code 127.0.0.1}
 * @param port           default 9930; 0 picks a free port
 * @param metrics        false turns every pgwarden meter into a no-op, to measure what metrics cost
 * @param readTimeout    a connection whose next request has not fully arrived within this (after it
 *                       opened or after its last response) is closed: idle keep-alives and half-sent
 *                       requests alike; default 10 s
 * @param maxConnections connections open at once; past it a new one is closed at once; default 256
 */
public record HttpConfig(boolean enabled, String host, int port, boolean metrics, Duration readTimeout,
                         int maxConnections) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 9930;
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_CONNECTIONS = 256;

    /** No {@code http:} section: no endpoint, meters on. */
    public static final HttpConfig NONE = new HttpConfig(false, DEFAULT_HOST, DEFAULT_PORT, true);

    /** The defaults for the read timeout and the connection cap. */
    public HttpConfig(boolean enabled, String host, int port, boolean metrics) {
        this(enabled, host, port, metrics, DEFAULT_READ_TIMEOUT, DEFAULT_MAX_CONNECTIONS);
    }
}
