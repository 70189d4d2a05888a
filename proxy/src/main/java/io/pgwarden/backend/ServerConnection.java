package io.pgwarden.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.metrics.DatabaseMeters;
import io.pgwarden.protocol.Frames;
import io.pgwarden.protocol.TransactionStatus;
import io.pgwarden.protocol.backend.BackendKeyData;
import io.pgwarden.protocol.backend.BackendMessages;
import io.pgwarden.protocol.backend.ErrorResponse;
import io.pgwarden.protocol.backend.ParameterStatus;
import io.pgwarden.protocol.backend.ReadyForQuery;
import io.pgwarden.protocol.frontend.FrontendMessages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One logged-in connection to PostgreSQL, and the last handler of its pipeline. It forwards every
 * frame to its current {@link ServerListener} and keeps the little it must know about the
 * conversation: the server's reported parameters, the transaction status, and how many requests
 * still wait for their ReadyForQuery. Everything here runs on the channel's event loop.
 */
public final class ServerConnection extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(ServerConnection.class);

    private final Channel channel;
    private final DatabaseConfig database;
    private final BackendKeyData backendKey;
    private final Map<String, String> parameters;
    private final DatabaseMeters meters;
    private final java.time.Instant connectedAt = java.time.Instant.now();

    private ServerSessionState sessionState;
    private ServerListener listener;
    private TransactionStatus transactionStatus = TransactionStatus.IDLE;
    /** Requests written that end with a ReadyForQuery (Query, Sync, FunctionCall) not yet answered. */
    private int pendingReadyForQuery;
    /** Extended-protocol messages written since the last Sync. */
    private boolean extendedQueryOpen;
    /** The oldest requests in flight that are pgwarden's own (settings, resets): not metered. */
    private int internalRequests;
    private long requestStartNanos;
    private long transactionStartNanos;
    private long bytesToServer;
    /** The first failure of this connection was logged; the rest (one per queued write) are not. */
    private boolean failureLogged;
    private long bytesFromServer;

    ServerConnection(Channel channel, DatabaseConfig database, BackendKeyData backendKey, Map<String, String> parameters,
                     DatabaseMeters meters) {
        this.channel = channel;
        this.database = database;
        this.backendKey = backendKey;
        this.parameters = new LinkedHashMap<>(parameters);
        this.meters = meters;
    }

    public Channel channel() {
        return channel;
    }

    public DatabaseConfig database() {
        return database;
    }

    /** The backend's own process id and secret (pgwarden never hands the secret to a client). */
    public BackendKeyData backendKey() {
        return backendKey;
    }

    /** The server's reported settings, as last seen. Read on the event loop, or after a hand-off. */
    public Map<String, String> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** Transaction-mode bookkeeping of this connection (created on first use, on the event loop). */
    public ServerSessionState sessionState() {
        if (sessionState == null) {
            sessionState = new ServerSessionState(database.pool().preparedStatementCacheSize());
        }
        return sessionState;
    }

    public TransactionStatus transactionStatus() {
        return transactionStatus;
    }

    /** True when every request has been answered: nothing in flight, no unsynced extended query. */
    public boolean atRequestBoundary() {
        return pendingReadyForQuery == 0 && !extendedQueryOpen;
    }

    public java.time.Instant connectedAt() {
        return connectedAt;
    }

    /** Statements prepared here for transaction-mode clients (a racy read, for SHOW SERVERS only). */
    public int preparedStatementCount() {
        ServerSessionState state = sessionState;
        return state == null ? 0 : state.statements().size();
    }

    /**
     * Who receives the server's messages from now on; {@code null} while the connection sits idle.
     * Reading is re-armed either way: with auto-read off, a hand-over between two read batches would
     * otherwise leave nobody asking for the next response (and an idle server must be read so that
     * one that goes away, or reports a setting, is noticed).
     */
    public void listener(ServerListener listener) {
        this.listener = listener;
        channel.read();
    }

    public void read() {
        channel.read();
    }

    /**
     * Writes a Query of pgwarden's own (not flushed), ahead of any client's request: its answer is
     * not counted as the database's query, transaction or error. On the server's event loop.
     */
    public void writeInternalQuery(String sql) {
        internalRequests++;
        channel.write(FrontendMessages.query(channel.alloc(), sql), channel.voidPromise());
    }

    public void close() {
        log.debug("closing {}", this);
        channel.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        bytesFromServer += frame.readableBytes();
        byte type = Frames.type(frame);
        if (type == BackendMessages.READY_FOR_QUERY) {
            transactionStatus = ReadyForQuery.status(frame);
            if (pendingReadyForQuery > 0) {
                pendingReadyForQuery--;
            }
            requestAnswered();
        } else if (type == BackendMessages.ERROR_RESPONSE) {
            if (internalRequests == 0) {
                meters.serverError(ErrorResponse.sqlState(frame));
            }
        } else if (type == BackendMessages.PARAMETER_STATUS) {
            ParameterStatus status = ParameterStatus.decode(frame);
            parameters.put(status.name(), status.value());
        }
        ServerListener current = listener;
        if (current != null) {
            current.onServerMessage(this, frame);
        } else {
            onUnsolicited(type, frame);
        }
    }

    /** A ReadyForQuery ended the oldest request: time it (and its transaction, if that ended too). */
    private void requestAnswered() {
        long now = System.nanoTime();
        if (internalRequests > 0) {
            internalRequests--;
        } else if (requestStartNanos != 0) {
            meters.queryCompleted(now - requestStartNanos);
            if (transactionStatus == TransactionStatus.IDLE && transactionStartNanos != 0) {
                meters.transactionCompleted(now - transactionStartNanos);
            }
        }
        if (transactionStatus == TransactionStatus.IDLE) {
            transactionStartNanos = 0;
        }
        if (pendingReadyForQuery > 0) {
            startRequest(now); // a pipelined request behind it (and its transaction) is timed from here
        } else {
            requestStartNanos = 0;
        }
    }

    /**
     * A Query that followed an unsynced extended query has been answered with ReadyForQuery:
     * PostgreSQL ran it, and committed the extended query's implicit transaction with it.
     */
    public void extendedQueryEnded() {
        extendedQueryOpen = false;
    }

    /**
     * A Query or Sync written here that PostgreSQL will not answer: one skipped after an
     * extended-protocol error, or a Sync read while COPY FROM STDIN takes data. Whoever matches
     * responses to requests (transaction mode) says so, so that the boundary stays true.
     */
    public void readyForQuerySkipped() {
        if (pendingReadyForQuery > 0) {
            pendingReadyForQuery--;
        }
    }

    private void requestSent() {
        if (pendingReadyForQuery++ == 0) {
            startRequest(System.nanoTime());
        }
    }

    private void startRequest(long now) {
        requestStartNanos = now;
        if (transactionStartNanos == 0) {
            transactionStartNanos = now;
        }
    }

    private void onUnsolicited(byte type, ByteBuf frame) {
        try {
            if (type == BackendMessages.NOTIFICATION_RESPONSE && database.pool().pinning() == io.pgwarden.config.Pinning.AUTO
                    && database.pool().mode() == io.pgwarden.config.PoolMode.TRANSACTION) {
                // it listens, and no client does through it: a LISTEN pinning did not see (inside a
                // function, say). Nobody may inherit it
                log.warn("closing an idle server connection of database \"{}\" (pid {}): it received a notification, so a LISTEN"
                        + " of a client that left is still active on it", database.name(), backendKey.processId());
                channel.close();
            } else if (type == BackendMessages.ERROR_RESPONSE) {
                log.info("idle server connection for database \"{}\" (pid {}) got: {}",
                        database.name(), backendKey.processId(), ErrorResponse.decode(frame));
            }
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (bytesFromServer > 0) {
            meters.bytesServerToClient(bytesFromServer);
            bytesFromServer = 0;
        }
        ServerListener current = listener;
        if (current != null) {
            current.onServerReadComplete(this);
        } else {
            ctx.read();
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        // every frame written here is one whole frontend message
        ByteBuf frame = (ByteBuf) msg;
        bytesToServer += frame.readableBytes();
        switch (Frames.type(frame)) {
            // a Query also ends an unsynced extended query, but only if PostgreSQL runs it (after an
            // error it skips it up to the Sync): who matches answers to requests says so (extendedQueryEnded)
            case FrontendMessages.QUERY, FrontendMessages.FUNCTION_CALL -> requestSent();
            case FrontendMessages.SYNC -> {
                requestSent();
                extendedQueryOpen = false;
            }
            case FrontendMessages.PARSE, FrontendMessages.BIND, FrontendMessages.DESCRIBE,
                 FrontendMessages.EXECUTE, FrontendMessages.CLOSE, FrontendMessages.FLUSH -> extendedQueryOpen = true;
            default -> {
                // CopyData, CopyDone, CopyFail, Terminate and unknown types carry no request boundary
            }
        }
        ctx.write(msg, promise);
    }

    /** Bytes sent are counted at each flush: a COPY FROM STDIN gets no answer to count them on until its end. */
    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (bytesToServer > 0) {
            meters.bytesClientToServer(bytesToServer);
            bytesToServer = 0;
        }
        ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ServerListener current = listener;
        if (current != null) {
            current.onServerWritabilityChanged(this);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ServerListener current = listener;
        if (current != null) {
            current.onServerClosed(this);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (failureLogged) {
            // every write queued behind a broken socket fails on its own: one line per connection is enough
            log.debug("server connection for database \"{}\" (pid {}): {}", database.name(), backendKey.processId(), cause.toString());
            ctx.close();
            return;
        }
        failureLogged = true;
        if (cause instanceof java.io.IOException) {
            // reset by PostgreSQL (a terminated backend, a restart): an expected fault, the close tells the rest
            log.info("server connection for database \"{}\" (pid {}) lost: {}",
                    database.name(), backendKey.processId(), cause.getMessage());
        } else {
            log.warn("server connection for database \"{}\" (pid {}) failed: {}",
                    database.name(), backendKey.processId(), cause.toString());
        }
        ctx.close();
    }

    @Override
    public String toString() {
        return "ServerConnection(" + database.name() + ", pid " + backendKey.processId() + ")";
    }
}
