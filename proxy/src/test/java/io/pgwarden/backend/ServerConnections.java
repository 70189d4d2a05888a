package io.pgwarden.backend;

import io.netty.channel.embedded.EmbeddedChannel;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.PoolSettings;
import io.pgwarden.metrics.DatabaseMeters;
import io.pgwarden.protocol.backend.BackendKeyData;

import java.util.Map;

/** A logged-in server connection whose socket is an EmbeddedChannel, for tests of what sits on top of it. */
public final class ServerConnections {

    private ServerConnections() {
    }

    public static ServerConnection on(EmbeddedChannel channel) {
        return on(channel, DatabaseMeters.NONE);
    }

    /** The same, reporting to {@code meters}. */
    public static ServerConnection on(EmbeddedChannel channel, DatabaseMeters meters) {
        ServerConnection server = new ServerConnection(channel,
                new DatabaseConfig("orders", "main", "orders_db", "owner", "", PoolSettings.DEFAULTS),
                new BackendKeyData(1, 2), Map.of("TimeZone", "UTC"), meters);
        channel.pipeline().addLast(server);
        return server;
    }
}
