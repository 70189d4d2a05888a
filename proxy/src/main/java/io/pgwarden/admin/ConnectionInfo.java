package io.pgwarden.admin;

import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * One client or server connection as SHOW CLIENTS and SHOW SERVERS list it (PgBouncer's socket
 * columns). A snapshot: the implementer copies what it has, the console formats it.
 *
 * @param id                 unique among connections of its kind; {@code link} refers to it
 * @param user               the service (clients) or the backend role (servers)
 * @param database           the logical database
 * @param state              clients: active, waiting, idle; servers: active, idle, used, tested, new
 * @param remote             the peer's address; null if unknown
 * @param local              our end's address; null if unknown
 * @param connectTime        when the connection was made
 * @param requestTime        when its last request started; null if none yet
 * @param waitMicros         clients: how long it has been waiting for a server connection; 0 otherwise
 * @param closeNeeded        servers: it will be closed once released (RECONNECT, lifetime)
 * @param linkId             the id of the connection it is paired with (server of a client, or
 *                           client of a server); 0 for none
 * @param remotePid          servers: the backend's process id; 0 for clients
 * @param tls                TLS details, or "" without TLS
 * @param applicationName    application_name of the client (for a server: of its linked client), or ""
 * @param preparedStatements prepared statements the connection holds
 */
public record ConnectionInfo(
        long id,
        String user,
        String database,
        String state,
        InetSocketAddress remote,
        InetSocketAddress local,
        Instant connectTime,
        Instant requestTime,
        long waitMicros,
        boolean closeNeeded,
        long linkId,
        int remotePid,
        String tls,
        String applicationName,
        int preparedStatements,
        String pinReasons) {
}
