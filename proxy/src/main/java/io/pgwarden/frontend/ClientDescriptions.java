package io.pgwarden.frontend;

import io.netty.channel.Channel;
import io.pgwarden.admin.ConnectionInfo;
import io.pgwarden.protocol.frontend.StartupMessage;

import java.net.InetSocketAddress;
import java.time.Instant;

/** How a client session describes itself to SHOW CLIENTS; the same for both pool modes. */
final class ClientDescriptions {

    private ClientDescriptions() {
    }

    /**
     * @param state    active (holds a server), waiting (for one), or idle
     * @param serverId the process id of the server it holds, 0 for none
     */
    static ConnectionInfo describe(long id, StartupMessage startup, String database, String state, Channel client,
                                   Instant connectedAt, int serverId) {
        return new ConnectionInfo(id, startup.user(), database, state,
                (InetSocketAddress) client.remoteAddress(), (InetSocketAddress) client.localAddress(),
                connectedAt, null, 0, false, serverId, 0, "",
                startup.parameters().getOrDefault("application_name", ""), 0);
    }
}
