package io.pgwarden.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.pgwarden.backend.BackendCanceller;
import io.pgwarden.backend.ServerConnection;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.PoolMode;
import io.pgwarden.pool.DatabasePool;
import io.pgwarden.pool.PoolClient;
import io.pgwarden.pool.ServerLease;
import io.pgwarden.protocol.Frames;
import io.pgwarden.protocol.SqlState;
import io.pgwarden.protocol.backend.BackendKeyData;
import io.pgwarden.protocol.backend.ErrorResponse;
import io.pgwarden.protocol.frontend.FrontendMessages;
import io.pgwarden.protocol.frontend.StartupMessage;
import io.pgwarden.routing.AccessPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An authenticated client of a pooled database, in either pool mode: one flow for login, taking a
 * server, forwarding, cancel, kill and the end. The modes differ only in when the lease ends:
 * session mode holds its server until it leaves; transaction mode takes one at the first message
 * after ReadyForQuery 'I', and the server's loop ends the lease at the next 'I' with nothing in
 * flight ({@link ServerLease#endIfIdle()}). What faces the server is a {@link ServerSide}:
 * {@link SessionLink} or {@link TransactionLink}.
 *
 * <p>Owner: the client's event loop. The {@link ServerSide} runs on the server's loop; when that is
 * the client's loop too, frames go straight through, with no task in between.
 */
final class PooledClient extends ChannelInboundHandlerAdapter implements PoolClient, CancelTarget,
        DatabasePool.LeaseRequester {

    private static final Logger log = LoggerFactory.getLogger(PooledClient.class);

    enum State {
        /** Applying the startup settings on a server, before ReadyForQuery. */
        LOGGING_IN,
        /** Transaction mode, between transactions: no server. */
        IDLE,
        /** A message came; waiting for a server (messages are held; reading goes on up to a bound). */
        ACQUIRING,
        /** A server is this client's. */
        ATTACHED,
        /** Transaction mode: the lease ended on the server's loop before a new message could go; waiting for the news. */
        DRAINING,
        CLOSED
    }

    private final FrontendContext context;
    private final DatabaseConfig database;
    private final DatabasePool pool;
    private final boolean transactionMode;
    private final ClientIdentity identity;
    private final long clientId;
    private final ArrayDeque<ByteBuf> held = new ArrayDeque<>();
    private final UnnamedPortalGuard unnamedPortal = new UnnamedPortalGuard();
    /** A message ended this connection (transaction mode): what follows it is dropped. */
    private boolean refused;
    /** Bytes in {@link #held}: reading goes on while a server is awaited, up to the client's write high-water mark. */
    private int heldBytes;
    private List<ByteBuf> batch = new ArrayList<>();
    private int batchBytes;
    /** Client → server bytes handed to the server's loop and not yet written there (COPY FROM STDIN into a slow server). */
    private HandedOverBytes handedToServer;
    private Channel client;
    private DatabasePool.Ticket ticket;
    private ServerSide link;
    private ClientSettings settings;
    private TransactionTimeouts timeouts;
    private Map<String, String> startupSettings;
    private State state = State.LOGGING_IN;
    /** The lease held now and its grant; written on the client's loop, read by SHOW CLIENTS. */
    private volatile ServerLease lease;
    private int leaseGrant;
    private boolean leaseOnThisLoop;
    private boolean forwardedSinceFlush;
    /** Between channelRead and channelReadComplete: frames forwarded now are flushed at the end of the batch. */
    private boolean reading;
    private int cancelProcessId;
    private int cancelSecret;
    /** Servers that closed under this client's login so far; past {@link #MAX_LOGIN_RETRIES} the client is told. */
    private int loginRetries;
    /** Set when the client must go at its next transaction boundary: what it is told then. On the client's loop. */
    private ErrorResponse ending;
    private static final int MAX_LOGIN_RETRIES = 3;

    PooledClient(FrontendContext context, DatabaseConfig database, StartupMessage startup) {
        this.context = context;
        this.database = database;
        this.pool = context.pools().pool(database.name());
        this.transactionMode = database.pool().mode() == PoolMode.TRANSACTION;
        this.clientId = context.clientIds().incrementAndGet();
        this.identity = new ClientIdentity(clientId, startup, database);
    }

    @Override
    public io.pgwarden.admin.ConnectionInfo describe() {
        ServerLease current = lease;
        String shown = switch (state) {
            case ACQUIRING -> "waiting";
            case ATTACHED, DRAINING, LOGGING_IN -> "active";
            case IDLE -> "idle";
            case CLOSED -> "closed";
        };
        return identity.describe(shown, current == null ? 0 : current.server().backendKey().processId(),
                current == null ? 0 : current.pinReasons());
    }

    @Override
    public void kill(String message) {
        identity.kill(message);
    }

    @Override
    public EventLoop loop() {
        return client.eventLoop();
    }

    @Override
    public String service() {
        return identity.service();
    }

    @Override
    public void endAtBoundary(String sqlState, String message) {
        client.eventLoop().execute(() -> {
            if (state == State.CLOSED || ending != null) {
                return;
            }
            ending = ErrorResponse.fatal(sqlState, message);
            switch (EndAtBoundary.when(state, transactionMode)) {
                case NOW -> end();
                case AT_LEASE_END -> {
                    // leaseEnded ends it
                }
                case WHEN_SERVER_IDLE -> {
                    if (transactionMode) {
                        TransactionLink side = (TransactionLink) link;
                        int grant = leaseGrant;
                        onLoopOf(lease, () -> side.endWhenIdle(grant));
                    } else {
                        SessionLink side = (SessionLink) link;
                        String resetQuery = database.pool().resetQuery();
                        onLoopOf(lease, () -> side.endWhenIdle(resetQuery));
                    }
                }
            }
        });
    }

    @Override
    public void endOnOldLocation(String sqlState, String message, Runnable ended) {
        client.eventLoop().execute(() -> {
            ServerLease held = lease;
            if (state != State.ATTACHED || held == null) {
                return; // holds no server: it goes on at the new location once the move is over
            }
            int grant = leaseGrant;
            onLoopOf(held, () -> {
                if (held.grant() != grant) {
                    return; // that lease is over: the client holds no server of the old location any more
                }
                ServerConnection server = held.server();
                switch (EndAtBoundary.atMoveTimeout(transactionMode, held.pinReasons() != 0, server.atRequestBoundary(),
                        server.transactionStatus())) {
                    case LEAVE -> {
                    }
                    case END_AT_BOUNDARY -> {
                        ended.run();
                        endAtBoundary(sqlState, message);
                    }
                    case END_NOW -> {
                        ended.run();
                        log.info("client {} of database \"{}\" ended inside a transaction: {}", clientId, database.name(), message);
                        client.eventLoop().execute(() -> ClientErrors.fatal(client, sqlState, message));
                    }
                }
            });
        });
    }

    /** The client had to go and holds no transaction: it is told why, then closed. */
    private void end() {
        log.info("client {} of database \"{}\" ended: {}", clientId, database.name(), ending.message());
        ClientErrors.fatal(client, ending);
    }

    // ---- login -----------------------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        client = ctx.channel();
        handedToServer = new HandedOverBytes(client);
        identity.attach(client);
        if (pool.disabled()) {
            // PostgreSQL's answer for a database that does not allow connections (datallowconn)
            ClientErrors.fatal(client, SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                    "database \"" + database.name() + "\" is not currently accepting connections");
            return;
        }
        pool.register(this);
        if (!context.access().allows(identity.service(), database.name())) {
            // a reload revoked its grant (or removed the database) between its login and now, after the reload's sweep
            endAtBoundary(SqlState.INSUFFICIENT_PRIVILEGE, AccessPolicy.revokedMessage(identity.service(), database.name()));
        }
        if (pool.databaseConfig().pool().mode() != database.pool().mode()) {
            // routed just before a reload changed the pool_mode, registered after its sweep
            endAtBoundary(SqlState.ADMIN_SHUTDOWN, DatabasePool.modeChangedMessage(database.name()));
        }
        io.pgwarden.pool.Pools.Farewell farewell = context.pools().farewell();
        if (farewell != null) {
            endAtBoundary(farewell.sqlState(), farewell.message()); // logged in after the drain's sweep
        }
        java.util.Optional<Map<String, String>> parsed = identity.startupSettings();
        if (parsed.isEmpty()) {
            return;
        }
        startupSettings = parsed.get();
        if (transactionMode) {
            settings = new ClientSettings(startupSettings);
            timeouts = new TransactionTimeouts(database.pool(), client.eventLoop(), new Timed());
            link = new TransactionLink(this, client, clientId, settings, context.statementNames(), timeouts.enabled(),
                    database.pool().pinning() == io.pgwarden.config.Pinning.AUTO);
        } else {
            link = new SessionLink(this, client);
        }
        ticket = pool.ticket(this);
        if (transactionMode) {
            java.util.Optional<Map<String, String>> answered =
                    context.loginAnswers().answer(database, startupSettings, System.nanoTime());
            if (answered.isPresent()) {
                loginWithoutServer(answered.get());
                return;
            }
        }
        pool.acquire(ticket);
    }

    /**
     * Transaction mode, settings PostgreSQL accepted for an earlier login ({@link LoginAnswers}): the
     * client is told what PostgreSQL told that login, and no server is taken; its first transaction
     * brings the settings to its server, as whenever it changes servers.
     */
    private void loginWithoutServer(Map<String, String> parameters) {
        settings.reportedAll(parameters);
        cancelProcessId = context.cancels().newProcessId();
        finishLogin(parameters, State.IDLE);
    }

    @Override
    public void granted(ServerLease granted) {
        assert client.eventLoop().inEventLoop() : "granted off the client's loop";
        switch (state) {
            case LOGGING_IN -> login(granted);
            case ACQUIRING -> attach(granted);
            default -> granted.end(granted.grant(), null); // gone meanwhile
        }
    }

    @Override
    public void refused(Throwable cause) {
        if (state != State.CLOSED) {
            ClientErrors.fatal(client, LoginSteps.failure(database, cause));
        }
    }

    /**
     * The startup settings are tried on a real server: what PostgreSQL refuses at startup is refused
     * here too. In transaction mode PostgreSQL's answer is kept for the next login with the same settings.
     */
    private void login(ServerLease granted) {
        hold(granted);
        ServerConnection server = granted.server();
        Future<ErrorResponse> applied = LoginSteps.applySettings(server, startupSettings, client, database, transactionMode);
        applied.addListener(f -> {
            if (state == State.CLOSED) {
                return; // channelInactive ended the lease
            }
            ErrorResponse error = applied.getNow();
            if (error != null) {
                endLease();
                if (!granted.alive() && loginRetries++ < MAX_LOGIN_RETRIES) {
                    // the server died under the login's own query (terminated, recycled): nothing of the
                    // client's went to it, so another server will do
                    log.debug("client {}: its server closed during the login, asking for another", clientId);
                    pool.acquire(ticket);
                    return;
                }
                ClientErrors.fatal(client, error);
                return;
            }
            if (transactionMode) {
                Map<String, String> parameters = new LinkedHashMap<>(server.parameters());
                context.loginAnswers().record(database, startupSettings, parameters, System.nanoTime());
                int grant = leaseGrant;
                onLoopOf(granted, () -> {
                    // the server now holds its defaults plus this client's settings: record them as applied
                    server.sessionState().appliedSettings().clear();
                    server.sessionState().lastDesired(Map.of()); // RESET ALL ran: record this client's settings afresh
                    settings.reportedAll(parameters);
                    settings.syncStatement(clientId, server.sessionState(), server.parameters());
                    granted.end(grant, null);
                });
                lease = null;
                // no server is this client's own: the cancel key is pgwarden's, and cancels follow the client
                cancelProcessId = context.cancels().newProcessId();
                finishLogin(parameters, State.IDLE);
            } else {
                onLoopOf(granted, () -> attachLink(granted));
                // the cancel key names the real backend, as PostgreSQL's would
                cancelProcessId = server.backendKey().processId();
                finishLogin(server.parameters(), State.ATTACHED);
            }
        });
    }

    private void finishLogin(Map<String, String> parameters, State next) {
        cancelSecret = context.cancels().register(cancelProcessId, this);
        LoginSteps.sendReady(client, parameters, new BackendKeyData(cancelProcessId, cancelSecret));
        state = next;
        if (timeouts != null) {
            timeouts.clientActive();
        }
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
        if (refused) {
            ReferenceCountUtil.release(frame); // behind a message that ended the connection, in the same read
            return;
        }
        if (transactionMode && !FrontendMessages.isSessionMessage(Frames.type(frame))) {
            // PostgreSQL would end the connection on it, at whatever point it reads it: on a shared
            // server that could be after this client's lease, in the next client's transaction
            refused = true;
            int type = Frames.type(frame) & 0xff;
            ReferenceCountUtil.release(frame);
            ClientErrors.protocolViolation(client, "invalid frontend message type " + type);
            return;
        }
        frame = unnamedPortal.screen(frame, ctx.alloc());
        if (timeouts != null) {
            timeouts.clientActive();
        }
        reading = true;
        switch (state) {
            case ATTACHED -> {
                if (lease.offer(leaseGrant)) {
                    handOff(frame);
                } else {
                    hold(frame); // the server's loop ended the lease; its news is on the way
                    state = State.DRAINING;
                }
            }
            case IDLE -> {
                hold(frame);
                acquire();
            }
            case ACQUIRING, DRAINING -> hold(frame);
            default -> ReferenceCountUtil.release(frame); // nothing may come before ReadyForQuery
        }
    }

    private void hold(ByteBuf frame) {
        held.add(frame);
        heldBytes += frame.readableBytes();
    }

    private void handOff(ByteBuf frame) {
        if (leaseOnThisLoop) {
            link.forward(frame);
            forwardedSinceFlush = true;
        } else {
            batch.add(frame);
            batchBytes += frame.readableBytes();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        sendBatch();
        switch (state) {
            case ATTACHED -> {
                if (lease.server().channel().isWritable() && !handedToServer.tooMany()) {
                    ctx.read();
                } // else: read again when the server catches up (its writability change, or the batch written)
            }
            case IDLE -> ctx.read();
            case ACQUIRING, DRAINING -> {
                // keep reading while little is held: a client waits for its answer anyway, and
                // switching the socket's read interest off and on again costs two syscalls
                if (heldBytes < client.config().getWriteBufferHighWaterMark()) {
                    ctx.read();
                } // else: read again once a server is attached
            }
            default -> {
                // LOGGING_IN: after ReadyForQuery
            }
        }
    }

    /** Frames read in this batch go to the server: flushed in place on this loop, or in one task to the server's. */
    private void sendBatch() {
        if (forwardedSinceFlush) {
            forwardedSinceFlush = false;
            link.flush();
        }
        if (batch.isEmpty()) {
            return;
        }
        List<ByteBuf> frames = batch;
        int bytes = batchBytes;
        batch = new ArrayList<>();
        batchBytes = 0;
        handedToServer.handed(bytes);
        ServerSide side = link;
        lease.loop().execute(() -> {
            forwardAll(side, frames);
            if (handedToServer.written(bytes)) {
                client.read();
            }
        });
    }

    private static void forwardAll(ServerSide side, List<ByteBuf> frames) {
        for (int i = 0; i < frames.size(); i++) {
            side.forward(frames.get(i));
        }
        side.flush();
    }

    private void acquire() {
        state = State.ACQUIRING;
        pool.acquire(ticket);
    }

    /** Transaction mode: a server for the held frames. */
    private void attach(ServerLease granted) {
        if (!granted.alive()) {
            // it closed between the grant and now; nothing was sent to it: ask again (on another loop
            // this reading may be late; a close after it is met by attachLink, which tells the client)
            granted.end(granted.grant(), null);
            pool.acquire(ticket);
            return;
        }
        if (log.isDebugEnabled()) {
            log.debug("client {} takes {} with {} held messages", clientId, granted, held.size());
        }
        hold(granted);
        state = State.ATTACHED;
        heldBytes = 0;
        ServerSide side = link;
        if (leaseOnThisLoop) {
            attachLink(granted);
            for (ByteBuf frame; (frame = held.poll()) != null; ) {
                granted.offer(leaseGrant); // a new grant cannot have ended: it has not seen any of them yet
                side.forward(frame);
            }
            if (reading) {
                forwardedSinceFlush = true; // the rest of this read (Execute, Sync...) goes out in the same write
            } else {
                side.flush();
            }
        } else {
            List<ByteBuf> frames = new ArrayList<>(held.size());
            for (ByteBuf frame; (frame = held.poll()) != null; ) {
                granted.offer(leaseGrant);
                frames.add(frame);
            }
            granted.loop().execute(() -> {
                attachLink(granted);
                forwardAll(side, frames);
            });
        }
        client.read();
    }

    /**
     * On the server's loop: the link takes the lease's server; if that closed between the grant and
     * now the client is told (what it sends meanwhile is dropped), never left waiting for an answer.
     */
    private void attachLink(ServerLease granted) {
        if (!link.attach(granted)) {
            serverClosed(granted);
        }
    }

    private void hold(ServerLease granted) {
        lease = granted;
        leaseGrant = granted.grant();
        leaseOnThisLoop = granted.loop() == client.eventLoop();
    }

    /**
     * The lease ended on the server's loop (transaction mode), and every response before the end has
     * been written to this client. On the client's loop.
     */
    void leaseEnded(ServerLease ended) {
        assert client.eventLoop().inEventLoop() : "lease end heard off the client's loop";
        if (ended != lease) {
            return;
        }
        lease = null;
        if (log.isDebugEnabled()) {
            log.debug("client {} gave back {}", clientId, ended);
        }
        if (ending != null) {
            state = State.IDLE;
            end(); // its transaction is over: what came after it is dropped with the connection
        } else if (state == State.DRAINING) {
            acquire(); // messages came meanwhile: they need a server
        } else if (state == State.ATTACHED) {
            state = State.IDLE;
            client.read();
        }
    }

    /** The server closed under this client: pass on what it said, then close. Any loop. */
    void serverClosed(ServerLease closed) {
        client.eventLoop().execute(() -> {
            if (lease == closed && state != State.CLOSED) {
                log.info("client {} of database \"{}\" lost its server connection {}", clientId, database.name(), closed);
                client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        });
    }

    private static void onLoopOf(ServerLease lease, Runnable task) {
        if (lease.loop().inEventLoop()) {
            task.run();
        } else {
            lease.loop().execute(task);
        }
    }

    private void endLease() {
        ServerLease current = lease;
        if (current != null) {
            lease = null;
            current.end(leaseGrant, transactionMode ? null : database.pool().resetQuery());
        }
    }

    // ---- cancel and the end ----------------------------------------------------------------------

    /** Cancels this client's running query, if a server runs one now; never another client's. Any loop. */
    @Override
    public void cancelRunningQuery(BackendCanceller canceller, Runnable done) {
        client.eventLoop().execute(() -> {
            ServerLease current = lease;
            if (current == null || (state != State.ATTACHED && state != State.DRAINING)) {
                done.run(); // between transactions nothing runs
                return;
            }
            if (current.cancelStarting(leaseGrant)) {
                canceller.cancel(pool.backendConfig(), current.server().backendKey()).addListener(f -> {
                    current.cancelDone();
                    done.run();
                });
            } else {
                done.run();
            }
        });
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ServerLease current = lease;
        if (ctx.channel().isWritable() && current != null && state == State.ATTACHED) {
            current.server().read();
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
        heldBytes = 0;
        batch.forEach(ReferenceCountUtil::release);
        batch.clear();
        batchBytes = 0;
        if ((previous == State.ACQUIRING || previous == State.LOGGING_IN) && ticket != null) {
            pool.cancel(ticket); // still in the queue, maybe for its first server: it must not keep a place there
        }
        endLease(); // rolled back (and reset in session mode), or closed if a request is still running
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof java.io.IOException) {
            log.debug("client connection failed: {}", cause.toString());
            ctx.close();
        } else if (cause instanceof io.netty.handler.codec.TooLongFrameException) {
            // refused from its length alone, before any of it is held: what one client can make pgwarden buffer is bounded
            int limit = context.config().limits().maxMessageSize();
            log.info("client {} of database \"{}\" sent a message over limits.max_message_size ({} bytes): {}", clientId,
                    database.name(), limit, cause.getMessage());
            ClientErrors.messageTooLong(client, limit);
        } else {
            StartupHandler.failConnection(ctx, cause);
        }
    }

    /** What the transaction-mode timeouts read and do. */
    private final class Timed implements TransactionTimeouts.Client {
        @Override
        public long busySinceNanos() {
            return state == State.ATTACHED ? ((TransactionLink) link).busySinceNanos() : 0;
        }

        @Override
        public long idleInTransactionSinceNanos() {
            return state == State.ATTACHED ? ((TransactionLink) link).idleInTransactionSinceNanos() : 0;
        }

        @Override
        public long pinnedIdleSinceNanos() {
            return state == State.ATTACHED ? ((TransactionLink) link).pinnedIdleSinceNanos() : 0;
        }

        @Override
        public boolean betweenTransactions() {
            return state == State.IDLE;
        }

        @Override
        public void cancelRunningQuery() {
            PooledClient.this.cancelRunningQuery(context.canceller(), () -> { });
        }

        @Override
        public void terminate(String sqlState, String message) {
            log.info("client of database \"{}\": {}", database.name(), message);
            ClientErrors.fatal(client, sqlState, message);
        }
    }
}
