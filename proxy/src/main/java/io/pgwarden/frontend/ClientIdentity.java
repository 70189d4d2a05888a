package io.pgwarden.frontend;

import io.netty.channel.Channel;
import io.pgwarden.admin.ConnectionInfo;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.protocol.SqlState;
import io.pgwarden.protocol.frontend.StartupMessage;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Who an authenticated client is, the same in both pool modes: its id, what it asked for at
 * startup, the database it was routed to, and how it shows in SHOW CLIENTS or is ended by KILL.
 */
final class ClientIdentity {

    private final long id;
    private final StartupMessage startup;
    private final DatabaseConfig database;
    private final Instant connectedAt = Instant.now();
    private Channel channel;

    ClientIdentity(long id, StartupMessage startup, DatabaseConfig database) {
        this.id = id;
        this.startup = startup;
        this.database = database;
    }

    long id() {
        return id;
    }

    /** The service it logged in as. */
    String service() {
        return startup.user();
    }

    /** The session's handler was added to this client's pipeline. */
    void attach(Channel channel) {
        this.channel = channel;
    }

    /**
     * The startup settings to apply on the client's servers, or empty after the client was told
     * (FATAL 22023) that its {@code options} are not valid.
     */
    Optional<Map<String, String>> startupSettings() {
        try {
            return Optional.of(SessionParameters.settings(startup, database.searchPath()));
        } catch (IllegalArgumentException e) {
            ClientErrors.fatal(channel, SqlState.INVALID_PARAMETER_VALUE, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * @param state    active (holds a server), waiting (for one), or idle
     * @param serverId   the process id of the server it holds, 0 for none
     * @param pinReasons why it keeps that server between transactions ({@link io.pgwarden.pool.PinReason} bits)
     */
    ConnectionInfo describe(String state, int serverId, int pinReasons) {
        return new ConnectionInfo(id, startup.user(), database.name(), state,
                (InetSocketAddress) channel.remoteAddress(), (InetSocketAddress) channel.localAddress(),
                connectedAt, null, 0, false, serverId, 0, "",
                startup.parameters().getOrDefault("application_name", ""), 0, io.pgwarden.pool.PinReason.labels(pinReasons));
    }

    /** KILL: a FATAL 57P01 naming the reason, then the connection closes. */
    void kill(String message) {
        channel.eventLoop().execute(() -> ClientErrors.fatal(channel, SqlState.ADMIN_SHUTDOWN, message));
    }
}
