package io.pgwarden.config;

/**
 * Limits over the whole proxy.
 *
 * @param maxClientConnections client connections pgwarden accepts past authentication at once (0: no limit)
 */
public record LimitsConfig(int maxClientConnections) {

    public static final LimitsConfig NONE = new LimitsConfig(0);
}
