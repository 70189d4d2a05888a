package io.pgwarden.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.pgwarden.admin.ConnectionInfo;
import io.pgwarden.backend.BackendCanceller;
import io.pgwarden.backend.BackendLogin;
import io.pgwarden.backend.BackendLoginException;
import io.pgwarden.backend.ServerConnection;
import io.pgwarden.backend.ServerListener;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.pool.DatabasePool;
import io.pgwarden.pool.PoolClient;
import io.pgwarden.protocol.Frames;
import io.pgwarden.protocol.SqlState;
import io.pgwarden.protocol.backend.BackendKeyData;
import io.pgwarden.protocol.backend.ErrorResponse;
import io.pgwarden.protocol.frontend.FrontendMessages;
import io.pgwarden.protocol.frontend.StartupMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A logical replication client ({@code replication=database}: Debezium, Airbyte, pg_recvlogical),
 * passed through as PgBouncer 1.23 does: never pooled, it gets a server connection of its own,
 * opened for it with {@code replication=database} and its startup settings, and the two live and
 * die together. Bytes flow both ways untouched (replication commands, simple queries, the COPY BOTH
 * stream of START_REPLICATION); reading on one side waits while the other cannot take more.
 *
 * <p>Owner: the client's event loop. The server connection is opened on that same loop, so nothing
 * here ever crosses threads (KILL and cancel arrive as tasks).
 */
final class ReplicationClient extends ChannelInboundHandlerAdapter implements PoolClient, CancelTarget, ServerListener {

    private static final Logger log = LoggerFactory.getLogger(ReplicationClient.class);
    /** Startup parameters that are pgwarden's to answer, not the client's settings for PostgreSQL. */
    private static final Set<String> NOT_SETTINGS = Set.of("user", "database", "replication");

    private enum State {
        /** The server connection is being opened and logged in. */
        CONNECTING,
        /** Logged in: bytes flow both ways. */
        STREAMING,
        CLOSED
    }

    private final FrontendContext context;
    private final DatabaseConfig database;
    private final DatabasePool pool;
    private final StartupMessage startup;
    private final ClientIdentity identity;
    private Channel client;
    private ServerConnection server;
    private State state = State.CONNECTING;
    private boolean forwardedSinceFlush;
    private int cancelProcessId;
    private int cancelSecret;

    ReplicationClient(FrontendContext context, DatabaseConfig database, StartupMessage startup) {
        this.context = context;
        this.database = database;
        this.pool = context.pools().pool(database.name());
        this.startup = startup;
        this.identity = new ClientIdentity(context.clientIds().incrementAndGet(), startup, database);
    }

    /** The client's own settings (application_name, options, ...), for PostgreSQL to check and apply at startup. */
    static Map<String, String> serverSettings(StartupMessage startup) {
        Map<String, String> settings = new LinkedHashMap<>();
        startup.parameters().forEach((name, value) -> {
            if (!NOT_SETTINGS.contains(name) && !name.startsWith("_pq_.")) {
                settings.put(name, value);
            }
        });
        return settings;
    }

    // ---- login ---------------------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        client = ctx.channel();
        identity.attach(client);
        pool.registerReplication(this);
        Future<ServerConnection> opened = pool.openReplication(client.eventLoop(),
                BackendLogin.logicalReplication(database, serverSettings(startup)));
        opened.addListener(f -> {
            assert client.eventLoop().inEventLoop() : "the replication server is opened on its client's loop";
            if (!f.isSuccess()) {
                if (state != State.CLOSED) {
                    ClientErrors.fatal(client, failure(f.cause()));
                }
                return;
            }
            ServerConnection opening = (ServerConnection) f.getNow();
            if (state == State.CLOSED) {
                opening.close(); // the client left while it was opened
                return;
            }
            started(opening);
        });
    }

    private void started(ServerConnection opened) {
        server = opened;
        state = State.STREAMING;
        log.info("replication client {} of database \"{}\" (service \"{}\") streams through server pid {}", identity.id(),
                database.name(), startup.user(), opened.backendKey().processId());
        server.listener(this); // reads the server from now on
        // the cancel key names the real backend, as for a session-mode client
        cancelProcessId = opened.backendKey().processId();
        cancelSecret = context.cancels().register(cancelProcessId, this);
        LoginSteps.sendReady(client, opened.parameters(), new BackendKeyData(cancelProcessId, cancelSecret));
        client.read();
    }

    /**
     * What the client hears when its server connection could not be opened. Mostly what any client
     * hears ({@link LoginSteps#failure}); PostgreSQL's refusal of a replication login is told plainly
     * (without pgwarden's role), and of the client's own settings in PostgreSQL's words.
     */
    private ErrorResponse failure(Throwable cause) {
        if (cause instanceof BackendLoginException login) {
            ErrorResponse refusal = login.error();
            switch (refusal.sqlState()) {
                case SqlState.INSUFFICIENT_PRIVILEGE -> {
                    log.warn("backend refused pgwarden's replication login for database \"{}\" as \"{}\": {}", database.name(),
                            database.replicationRole(), refusal);
                    return ErrorResponse.of("FATAL", SqlState.INSUFFICIENT_PRIVILEGE, "database \"" + database.name()
                            + "\" is unavailable for replication: PostgreSQL refused pgwarden's replication login",
                            "The role pgwarden logs in as for replication needs the REPLICATION attribute and CONNECT on the "
                                    + "database: give the database a replication_user (pgwarden provision creates it).");
                }
                case SqlState.INVALID_PARAMETER_VALUE, SqlState.UNDEFINED_OBJECT, SqlState.CANT_CHANGE_RUNTIME_PARAM -> {
                    return refusal; // about the client's own startup settings
                }
                default -> {
                    // as for any client
                }
            }
        }
        return LoginSteps.failure(database, cause);
    }

    // ---- client -> server ------------------------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        if (state != State.STREAMING) {
            ReferenceCountUtil.release(frame); // nothing may come before ReadyForQuery
            return;
        }
        boolean terminate = Frames.type(frame) == FrontendMessages.TERMINATE;
        server.channel().write(frame, server.channel().voidPromise());
        forwardedSinceFlush = true;
        if (terminate) {
            // PostgreSQL hears the Terminate and ends the walsender cleanly; then both sides close
            flushToServer();
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (state != State.STREAMING) {
            return;
        }
        flushToServer();
        if (server.channel().isWritable()) {
            ctx.read();
        } // else: read again when the server catches up (onServerWritabilityChanged)
    }

    private void flushToServer() {
        if (forwardedSinceFlush) {
            forwardedSinceFlush = false;
            server.channel().flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && state == State.STREAMING) {
            server.read();
        }
        ctx.fireChannelWritabilityChanged();
    }

    // ---- server -> client (the same loop) --------------------------------------------------------

    @Override
    public void onServerMessage(ServerConnection from, ByteBuf frame) {
        client.write(frame, client.voidPromise());
    }

    @Override
    public void onServerReadComplete(ServerConnection from) {
        client.flush();
        if (client.isWritable()) {
            from.read();
        } // else: read again when the client catches up (channelWritabilityChanged)
    }

    @Override
    public void onServerWritabilityChanged(ServerConnection from) {
        if (from.channel().isWritable() && state == State.STREAMING) {
            client.read();
        }
    }

    /** The server went away (terminated, restarted, its FATAL forwarded already): the client goes too. */
    @Override
    public void onServerClosed(ServerConnection from) {
        if (state == State.STREAMING) {
            log.info("replication client {} of database \"{}\" lost its server connection (pid {})", identity.id(),
                    database.name(), from.backendKey().processId());
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    // ---- admin, cancel and the end ----------------------------------------------------------------

    @Override
    public ConnectionInfo describe() {
        ServerConnection current = server;
        return identity.describeReplication(current == null ? "waiting" : "active",
                current == null ? 0 : current.backendKey().processId());
    }

    @Override
    public ConnectionInfo describeOwnServer() {
        ServerConnection current = server;
        if (current == null) {
            return null;
        }
        int pid = current.backendKey().processId();
        return new ConnectionInfo(pid, database.replicationRole(), database.name(), "active",
                (java.net.InetSocketAddress) current.channel().remoteAddress(), (java.net.InetSocketAddress) current.channel().localAddress(),
                current.connectedAt(), null, 0, false, identity.id(), pid, "",
                current.parameters().getOrDefault("application_name", ""), 0, "", ConnectionInfo.LOGICAL_REPLICATION);
    }

    @Override
    public void kill(String message) {
        identity.kill(message);
    }

    @Override
    public String service() {
        return identity.service();
    }

    /**
     * A revoked grant, a removed database, a drain: a stream has no transaction boundary pgwarden can
     * see, so it ends now; the client resumes from its slot's confirmed position when it comes back.
     */
    @Override
    public void endAtBoundary(String sqlState, String message) {
        client.eventLoop().execute(() -> ClientErrors.fatal(client, sqlState, message));
    }

    /** Its server is its own, on the old location, and its stream has no boundary: it ends now (the move ends it at its start anyway). */
    @Override
    public void endOnOldLocation(String sqlState, String message, Runnable ended) {
        ended.run();
        endAtBoundary(sqlState, message);
    }

    @Override
    public void cancelRunningQuery(BackendCanceller canceller, Runnable done) {
        client.eventLoop().execute(() -> {
            if (state == State.STREAMING) {
                canceller.cancel(pool.backendConfig(), server.backendKey()).addListener(f -> done.run());
            } else {
                done.run();
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        State previous = state;
        state = State.CLOSED;
        pool.unregisterReplication(this);
        if (cancelSecret != 0) {
            context.cancels().unregister(cancelProcessId, cancelSecret);
        }
        if (previous == State.STREAMING) {
            // what the client sent last still goes; then the walsender ends (its slot stays, for the next session)
            server.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof java.io.IOException) {
            log.debug("replication client connection failed: {}", cause.toString());
            ctx.close();
        } else if (cause instanceof io.netty.handler.codec.TooLongFrameException) {
            ClientErrors.messageTooLong(client, context.config().limits().maxMessageSize());
        } else {
            StartupHandler.failConnection(ctx, cause);
        }
    }
}
