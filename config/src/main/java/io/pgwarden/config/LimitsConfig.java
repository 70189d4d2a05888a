package io.pgwarden.config;

/**
 * Limits over the whole proxy; 0 means no limit.
 *
 * @param maxClientConnections       client connections pgwarden accepts past authentication at once
 * @param maxPendingLogins           connections accepted and not yet authenticated, at once, over all
 * @param maxPendingLoginsPerAddress the same from one source IP address
 * @param maxMessageSize             the largest message a logged-in client may send, in bytes (pgwarden
 *                                   holds a message whole before it forwards it); never 0
 */
public record LimitsConfig(int maxClientConnections, int maxPendingLogins, int maxPendingLoginsPerAddress,
                           int maxMessageSize) {

    /** PostgreSQL's own limit on one message (MaxAllocSize, 1 GiB - 1). */
    public static final int POSTGRES_MAX_MESSAGE_SIZE = 0x3fffffff;

    /**
     * What a file without {@code limits:} gets: logins that never finish cannot take every file
     * descriptor, and no client can make pgwarden hold more than 64 MiB of one message.
     */
    public static final LimitsConfig DEFAULT = new LimitsConfig(0, 1000, 100, 64 << 20);

    /** The limits before {@code max_message_size} existed, with its default. */
    public LimitsConfig(int maxClientConnections, int maxPendingLogins, int maxPendingLoginsPerAddress) {
        this(maxClientConnections, maxPendingLogins, maxPendingLoginsPerAddress, DEFAULT.maxMessageSize);
    }
}
