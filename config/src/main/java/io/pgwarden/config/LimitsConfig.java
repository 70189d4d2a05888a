package io.pgwarden.config;

import java.time.Duration;

/**
 * Limits over the whole proxy; 0 means no limit.
 *
 * @param maxClientConnections       client connections pgwarden accepts past authentication at once
 * @param maxPendingLogins           connections accepted and not yet authenticated, at once, over all
 * @param maxPendingLoginsPerAddress the same from one source IP address
 * @param maxMessageSize             the largest message a logged-in client may send, in bytes (pgwarden
 *                                   holds a message whole before it forwards it); never 0
 * @param loginTimeout               from accepting a connection to the end of its login (PostgreSQL's
 *                                   authentication_timeout)
 * @param authFailures               failed logins of one service name, or from one source address, within
 *                                   {@code authFailureWindow} after which further answers are slowed down;
 *                                   0 turns the throttling off
 * @param authFailureWindow          the window those failures are counted in
 * @param authFailureMaxDelay        the longest a throttled answer waits (the delay doubles from 100 ms)
 */
public record LimitsConfig(int maxClientConnections, int maxPendingLogins, int maxPendingLoginsPerAddress,
                           int maxMessageSize, Duration loginTimeout, int authFailures, Duration authFailureWindow,
                           Duration authFailureMaxDelay) {

    /** PostgreSQL's own limit on one message (MaxAllocSize, 1 GiB - 1). */
    public static final int POSTGRES_MAX_MESSAGE_SIZE = 0x3fffffff;

    /**
     * What a file without {@code limits:} gets: logins that never finish cannot take every file
     * descriptor, no client can make pgwarden hold more than 64 MiB of one message, and password
     * guessing is slowed after 10 failures a minute.
     */
    public static final LimitsConfig DEFAULT = new LimitsConfig(0, 1000, 100, 64 << 20, Duration.ofSeconds(60), 10,
            Duration.ofSeconds(60), Duration.ofSeconds(5));

    /** The limits before {@code max_message_size} existed, with its default. */
    public LimitsConfig(int maxClientConnections, int maxPendingLogins, int maxPendingLoginsPerAddress) {
        this(maxClientConnections, maxPendingLogins, maxPendingLoginsPerAddress, DEFAULT.maxMessageSize);
    }

    /** The limits before the login timeout and throttling were configurable, with their defaults. */
    public LimitsConfig(int maxClientConnections, int maxPendingLogins, int maxPendingLoginsPerAddress, int maxMessageSize) {
        this(maxClientConnections, maxPendingLogins, maxPendingLoginsPerAddress, maxMessageSize, DEFAULT.loginTimeout,
                DEFAULT.authFailures, DEFAULT.authFailureWindow, DEFAULT.authFailureMaxDelay);
    }
}
