package io.pgwarden.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.pgwarden.backend.BackendCanceller;
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

import java.util.Map;
import java.util.Optional;

/**
 * An authenticated client in session pooling: it gets one server connection for its whole session,
 * with its own startup settings applied, then bytes flow both ways untouched. Frames are retained
 * slices forwarded as they are; reading on one side waits until the other side can take more.
 *
 * <p>Client-side methods run on the client's event loop; {@link ServerListener} methods on the
 * server's (the same loop when the pool had a server there).
 */
final class ClientSession extends ChannelInboundHandlerAdapter implements ServerListener, CancelTarget, PoolClient {

    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

    private final FrontendContext context;
    private final DatabaseConfig database;
    private final DatabasePool pool;
    private final StartupMessage startup;
    private Channel client;
    private ClientState state = ClientState.WAITING_FOR_SERVER;
    private Future<ServerConnection> acquisition;
    private volatile ServerConnection server;
    private int cancelSecret;
    private final ClientIdentity identity;

    ClientSession(FrontendContext context, DatabaseConfig database, StartupMessage startup) {
        this.context = context;
        this.database = database;
        this.pool = context.pools().pool(database.name());
        this.startup = startup;
        this.identity = new ClientIdentity(context.clientIds().incrementAndGet(), startup, database);
    }

    @Override
    public io.pgwarden.admin.ConnectionInfo describe() {
        ServerConnection current = server;
        String shown = switch (state) {
            case WAITING_FOR_SERVER -> "waiting";
            case SETTING_UP, ACTIVE -> "active";
            case CLOSED -> "closed";
        };
        return identity.describe(shown, current == null ? 0 : current.backendKey().processId());
    }

    @Override
    public void kill(String message) {
        identity.kill(message);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        client = ctx.channel();
        identity.attach(client);
        pool.register(this);
        Optional<Map<String, String>> startupSettings = identity.startupSettings();
        if (startupSettings.isEmpty()) {
            return;
        }
        Map<String, String> settings = startupSettings.get();
        acquisition = pool.acquire(client.eventLoop());
        acquisition.addListener(f -> onAcquired(f, settings));
    }

    private void onAcquired(Future<?> result, Map<String, String> settings) {
        if (!result.isSuccess()) {
            close(loginFailure(result.cause()));
            return;
        }
        ServerConnection acquired = (ServerConnection) result.getNow();
        if (state == ClientState.CLOSED) {
            pool.release(acquired);
            return;
        }
        server = acquired;
        state = ClientState.SETTING_UP;
        io.netty.util.concurrent.Future<ErrorResponse> applied = LoginSteps.applySettings(acquired, settings, client,
                database, false);
        applied.addListener(f -> {
            ErrorResponse error = applied.getNow();
            if (error == null) {
                acquired.channel().eventLoop().execute(() -> acquired.listener(this));
                acquired.channel().eventLoop().execute(() -> client.eventLoop().execute(this::finishLogin));
            } else {
                close(error);
            }
        });
    }

    /** What PostgreSQL would have sent after AuthenticationOk: settings, cancel key, ready. */
    private void finishLogin() {
        if (state == ClientState.CLOSED) {
            return;
        }
        ServerConnection current = server;
        int processId = current.backendKey().processId();
        cancelSecret = context.cancels().register(processId, this);
        LoginSteps.sendReady(client, current.parameters(), new BackendKeyData(processId, cancelSecret));
        state = ClientState.ACTIVE;
        client.read();
    }

    private ErrorResponse loginFailure(Throwable cause) {
        return LoginSteps.failure(database, cause);
    }

    // ---- client → server -------------------------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        if (state != ClientState.ACTIVE) {
            ReferenceCountUtil.release(frame);
            return;
        }
        if (Frames.type(frame) == FrontendMessages.TERMINATE) {
            ReferenceCountUtil.release(frame);
            ctx.close();
            return;
        }
        server.channel().write(frame, server.channel().voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ServerConnection current = server;
        if (state != ClientState.ACTIVE || current == null) {
            return;
        }
        Channel serverChannel = current.channel();
        serverChannel.flush();
        if (serverChannel.isWritable()) {
            ctx.read();
        } // else: read again when the server catches up (onServerWritabilityChanged)
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ServerConnection current = server;
        if (ctx.channel().isWritable() && current != null && state == ClientState.ACTIVE) {
            current.read();
        }
        ctx.fireChannelWritabilityChanged();
    }

    // ---- server → client -------------------------------------------------------------------------

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
        if (from.channel().isWritable() && client.isActive()) {
            client.read();
        }
    }

    @Override
    public void onServerClosed(ServerConnection from) {
        // PostgreSQL sends its own FATAL before it goes (terminated, shut down); pass on what we have
        client.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    // ---- end of the session ----------------------------------------------------------------------

    /** Forwards a cancel for this client's running query to the server running it, if any. */
    @Override
    public void cancelRunningQuery(BackendCanceller canceller) {
        ServerConnection current = server;
        if (current != null && state == ClientState.ACTIVE) {
            canceller.cancel(pool.backendConfig(), current.backendKey());
        }
    }

    private void close(ErrorResponse error) {
        ClientErrors.fatal(client, error);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ClientState previous = state;
        state = ClientState.CLOSED;
        pool.unregister(this);
        if (previous == ClientState.ACTIVE) {
            context.cancels().unregister(server.backendKey().processId(), cancelSecret);
        }
        ServerConnection current = server;
        if (current != null) {
            server = null;
            pool.release(current);
        } else if (acquisition != null && !acquisition.isDone()) {
            pool.cancel(acquisition);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof java.io.IOException) {
            log.debug("client connection failed: {}", cause.toString());
            ctx.close();
        } else {
            StartupHandler.failConnection(ctx, cause);
        }
    }
}
