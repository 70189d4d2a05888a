package io.pgwarden.config;

/**
 * The HTTP endpoint ({@code /metrics}, {@code /health/live}, {@code /health/ready}, {@code /pools}).
 * Without an {@code http:} section there is no endpoint: several pgwardens on one host (and the
 * tests) would otherwise fight over one port. The meters still count, for the admin console.
 *
 * @param enabled whether the file has an {@code http:} section
 * @param host    address to bind; default {@code 127.0.0.1}
 * @param port    default 9930; 0 picks a free port
 * @param metrics false turns every pgwarden meter into a no-op, to measure what metrics cost
 */
public record HttpConfig(boolean enabled, String host, int port, boolean metrics) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 9930;

    /** No {@code http:} section: no endpoint, meters on. */
    public static final HttpConfig NONE = new HttpConfig(false, DEFAULT_HOST, DEFAULT_PORT, true);
}
