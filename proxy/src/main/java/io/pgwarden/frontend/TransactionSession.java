package io.pgwarden.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.pgwarden.backend.BackendCanceller;
import io.pgwarden.backend.ServerConnection;
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

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An authenticated client in transaction pooling. It holds a server connection only while a
 * transaction (or a pipeline of requests) is open: the first message after ReadyForQuery 'I' takes
 * one from the pool, and the server goes back once it is idle with nothing in flight. The work on
 * the server side is {@link TransactionLink}'s, on the server's event loop; this class runs on the
 * client's loop and decides when the lease starts and ends.
 */
final class TransactionSession extends ChannelInboundHandlerAdapter implements PoolClient {

    private static final Logger log = LoggerFactory.getLogger(TransactionSession.class);

    private enum State {
        /** Validating the startup settings on a server, before ReadyForQuery. */
        LOGGING_IN,
        /** Between transactions: no server. */
        IDLE,
        /** A message came; waiting for a server (messages are held, reading paused). */
        ACQUIRING,
        /** A server runs this client's transaction. */
        ATTACHED,
        CLOSED
    }

    private final FrontendContext context;
    private final DatabaseConfig database;
    private final DatabasePool pool;
    private final StartupMessage startup;
    private final long clientId;
    private final ArrayDeque<ByteBuf> held = new ArrayDeque<>();
    private List<ByteBuf> batch = new ArrayList<>();
    private ClientSettings settings;
    private TransactionLink link;
    private TransactionTimeouts timeouts;
    private Channel client;
    private State state = State.LOGGING_IN;
    private volatile ServerConnection server;
    private Future<ServerConnection> acquisition;
    /** Client frames handed to the link, ever; the link's count must match before a release. */
    private long handedOff;
    private int cancelProcessId;
    private int cancelSecret;
    private final ClientIdentity identity;

    TransactionSession(FrontendContext context, DatabaseConfig database, StartupMessage startup) {
        this.context = context;
        this.database = database;
        this.pool = context.pools().pool(database.name());
        this.startup = startup;
        this.clientId = context.clientIds().incrementAndGet();
        this.identity = new ClientIdentity(clientId, startup, database);
    }

    @Override
    public io.pgwarden.admin.ConnectionInfo describe() {
        ServerConnection current = server;
        String shown = switch (state) {
            case ACQUIRING -> "waiting";
            case ATTACHED, LOGGING_IN -> "active";
            case IDLE -> "idle";
            case CLOSED -> "closed";
        };
        return identity.describe(shown, current == null ? 0 : current.backendKey().processId());
    }

    @Override
    public void kill(String message) {
        identity.kill(message);
    }

    // ---- login -----------------------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        client = ctx.channel();
        identity.attach(client);
        pool.register(this);
        java.util.Optional<Map<String, String>> parsed = identity.startupSettings();
        if (parsed.isEmpty()) {
            return;
        }
        Map<String, String> startupSettings = parsed.get();
        settings = new ClientSettings(startupSettings);
        timeouts = new TransactionTimeouts(database.pool(), client.eventLoop(), new TransactionTimeouts.Client() {
            @Override
            public long busySinceNanos() {
                return state == State.ATTACHED ? link.busySinceNanos() : 0;
            }

            @Override
            public long idleInTransactionSinceNanos() {
                return state == State.ATTACHED ? link.idleInTransactionSinceNanos() : 0;
            }

            @Override
            public boolean betweenTransactions() {
                return state == State.IDLE;
            }

            @Override
            public void cancelRunningQuery() {
                TransactionSession.this.cancelRunningQuery(context.canceller());
            }

            @Override
            public void terminate(String sqlState, String message) {
                log.info("client of database \"{}\": {}", database.name(), message);
                ClientErrors.fatal(client, sqlState, message);
            }
        });
        link = new TransactionLink(this, client, clientId, settings, context.statementNames(), timeouts.enabled());
        acquisition = pool.acquire(client.eventLoop());
        acquisition.addListener(f -> {
            if (!f.isSuccess()) {
                ClientErrors.fatal(client, LoginSteps.failure(database, f.cause()));
                return;
            }
            ServerConnection validating = (ServerConnection) f.getNow();
            if (state == State.CLOSED) {
                pool.giveBack(validating);
                return;
            }
            // the settings are tried on a real server: what PostgreSQL refuses at startup is refused here too
            io.netty.util.concurrent.Future<ErrorResponse> applied = LoginSteps.applySettings(validating, startupSettings,
                    client, database, true);
            applied.addListener(done -> {
                ErrorResponse error = applied.getNow();
                if (error != null) {
                    pool.release(validating);
                    ClientErrors.fatal(client, error);
                    return;
                }
                Map<String, String> parameters = new java.util.LinkedHashMap<>(validating.parameters());
                validating.channel().eventLoop().execute(() -> {
                    // the server now holds its defaults plus this client's settings: record them as applied
                    validating.sessionState().appliedSettings().clear();
                    validating.sessionState().lastDesired(Map.of()); // RESET ALL ran: record this client's settings afresh
                    settings.reportedAll(parameters);
                    settings.syncStatement(clientId, validating.sessionState(), validating.parameters());
                });
                pool.giveBack(validating);
                finishLogin(parameters);
            });
        });
    }

    private void finishLogin(Map<String, String> parameters) {
        if (state == State.CLOSED) {
            return;
        }
        // no server is this client's own: the cancel key is pgwarden's, and cancels follow the client
        cancelProcessId = context.cancels().newProcessId();
        cancelSecret = context.cancels().register(cancelProcessId, this::cancelRunningQuery);
        LoginSteps.sendReady(client, parameters, new BackendKeyData(cancelProcessId, cancelSecret));
        state = State.IDLE;
        timeouts.clientActive();
        client.read();
    }

    // ---- client → server -------------------------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        if (Frames.type(frame) == FrontendMessages.TERMINATE) {
            ReferenceCountUtil.release(frame);
            ctx.close();
            return;
        }
        timeouts.clientActive();
        switch (state) {
            case ATTACHED -> handOff(frame);
            case IDLE -> {
                held.add(frame);
                acquire();
            }
            case ACQUIRING -> held.add(frame);
            default -> ReferenceCountUtil.release(frame);
        }
    }

    private void handOff(ByteBuf frame) {
        handedOff++;
        if (server.channel().eventLoop().inEventLoop()) {
            link.forward(frame);
        } else {
            batch.add(frame);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (state == State.ATTACHED) {
            ServerConnection current = server;
            sendBatch(current);
            if (current.channel().isWritable()) {
                ctx.read();
            }
        } else if (state == State.IDLE) {
            ctx.read();
        } // ACQUIRING: read again once a server is attached
    }

    /** Hands the frames read on this loop to the server's loop in one task, and flushes there. */
    private void sendBatch(ServerConnection current) {
        EventLoop serverLoop = current.channel().eventLoop();
        if (serverLoop.inEventLoop()) {
            link.flush();
            return;
        }
        if (batch.isEmpty()) {
            return;
        }
        List<ByteBuf> frames = batch;
        batch = new ArrayList<>();
        serverLoop.execute(() -> {
            for (ByteBuf frame : frames) {
                link.forward(frame);
            }
            link.flush();
        });
    }

    private void acquire() {
        state = State.ACQUIRING;
        acquisition = pool.acquire(client.eventLoop());
        acquisition.addListener(f -> {
            if (!f.isSuccess()) {
                if (state != State.CLOSED) {
                    ClientErrors.fatal(client, LoginSteps.failure(database, f.cause()));
                }
                return;
            }
            ServerConnection acquired = (ServerConnection) f.getNow();
            if (state == State.CLOSED) {
                pool.giveBack(acquired);
                return;
            }
            attach(acquired);
        });
    }

    private void attach(ServerConnection acquired) {
        if (log.isDebugEnabled()) {
            log.debug("client {} takes {} with {} held messages", clientId, acquired, held.size());
        }
        server = acquired;
        state = State.ATTACHED;
        List<ByteBuf> frames = new ArrayList<>(held);
        held.clear();
        handedOff += frames.size();
        Runnable start = () -> {
            link.attach(acquired);
            for (ByteBuf frame : frames) {
                link.forward(frame);
            }
            link.flush();
        };
        // same loop: now, before anything read next is forwarded; another loop: its queue keeps the order
        if (acquired.channel().eventLoop().inEventLoop()) {
            start.run();
        } else {
            acquired.channel().eventLoop().execute(start);
        }
        client.read();
    }

    /**
     * The link saw the transaction end with nothing in flight. Called from the server's loop; decided
     * here, where it is certain no message of this client is still on its way to that server.
     */
    void proposeRelease(ServerConnection candidate, long processedThere) {
        if (client.eventLoop().inEventLoop()) {
            release(candidate, processedThere);
        } else {
            client.eventLoop().execute(() -> release(candidate, processedThere));
        }
    }

    private void release(ServerConnection candidate, long processedThere) {
        if (state != State.ATTACHED || server != candidate || handedOff != processedThere || !batch.isEmpty()) {
            if (log.isDebugEnabled()) {
                log.debug("client {} keeps {}: state {}, handed off {}, processed there {}", clientId, candidate, state,
                        handedOff, processedThere);
            }
            return; // more requests went out meanwhile: the next ReadyForQuery will propose again
        }
        if (log.isDebugEnabled()) {
            log.debug("client {} gives back {}", clientId, candidate);
        }
        server = null;
        state = State.IDLE;
        pool.giveBack(candidate);
        client.read();
    }

    void serverClosed(ServerConnection closed) {
        client.eventLoop().execute(() -> {
            if (server == closed) {
                log.info("client {} of database \"{}\" lost its server connection {} mid-transaction", clientId,
                        database.name(), closed);
                client.flush();
                client.close();
            }
        });
    }

    // ---- cancel and the end ----------------------------------------------------------------------

    /** Cancels this client's running query, if a server runs one now; never another client's. */
    void cancelRunningQuery(BackendCanceller canceller) {
        ServerConnection current = server;
        if (current == null) {
            return; // between transactions nothing runs
        }
        current.cancelsInFlight().incrementAndGet();
        if (server != current) {
            current.cancelsInFlight().decrementAndGet(); // released meanwhile: the query is over
            return;
        }
        canceller.cancel(pool.backendConfig(), current.backendKey()).addListener(f -> current.cancelsInFlight().decrementAndGet());
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ServerConnection current = server;
        if (ctx.channel().isWritable() && current != null) {
            current.read();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        State previous = state;
        state = State.CLOSED;
        pool.unregister(this);
        if (timeouts != null) {
            timeouts.stop();
        }
        if (cancelSecret != 0 || cancelProcessId != 0) {
            context.cancels().unregister(cancelProcessId, cancelSecret);
        }
        held.forEach(ReferenceCountUtil::release);
        held.clear();
        ServerConnection current = server;
        if (previous == State.ATTACHED && current != null) {
            server = null;
            List<ByteBuf> unsent = batch;
            batch = new ArrayList<>();
            unsent.forEach(ReferenceCountUtil::release);
            pool.release(current); // rolled back, or closed if a request is still running
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
