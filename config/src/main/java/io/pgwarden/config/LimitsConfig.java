package io.pgwarden.config;

/**
 * Limits over the whole proxy; 0 means no limit.
 *
 * @param maxClientConnections       client connections pgwarden accepts past authentication at once
 * @param maxPendingLogins           connections accepted and not yet authenticated, at once, over all
 * @param maxPendingLoginsPerAddress the same from one source IP address
 */
public record LimitsConfig(int maxClientConnections, int maxPendingLogins, int maxPendingLoginsPerAddress) {

    /** What a file without {@code limits:} gets: logins that never finish cannot take every file descriptor. */
    public static final LimitsConfig DEFAULT = new LimitsConfig(0, 1000, 100);
}
