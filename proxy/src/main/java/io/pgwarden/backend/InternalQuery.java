package io.pgwarden.backend;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pgwarden.protocol.Frames;
import io.pgwarden.protocol.backend.BackendMessages;
import io.pgwarden.protocol.backend.ErrorResponse;

import java.util.List;
import java.util.Optional;

/**
 * Statements pgwarden runs on a server connection for itself (settings, rollback, reset): each as
 * its own simple Query, pipelined, results dropped. Completes with the first error, if any, once
 * every statement has been answered. A server that does not answer within {@link #TIMEOUT} (one
 * PostgreSQL keeps waiting for something else, or a frozen one) is closed: nothing that holds a
 * server waits without an end.
 */
public final class InternalQuery implements ServerListener {

    /** Settings, ROLLBACK and DISCARD ALL take milliseconds; a server silent this long is not coming back. */
    static final java.time.Duration TIMEOUT = java.time.Duration.ofSeconds(10);
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(InternalQuery.class);

    private final Promise<Optional<ErrorResponse>> promise;
    private int awaitingReady;
    private ErrorResponse firstError;

    private InternalQuery(Promise<Optional<ErrorResponse>> promise, int statements) {
        this.promise = promise;
        this.awaitingReady = statements;
    }

    /** Must be called on the server's event loop; the server's listener is replaced for the duration. */
    public static Future<Optional<ErrorResponse>> run(ServerConnection server, List<String> statements) {
        Promise<Optional<ErrorResponse>> promise = server.channel().eventLoop().newPromise();
        if (statements.isEmpty()) {
            return promise.setSuccess(Optional.empty());
        }
        if (!server.channel().isActive()) {
            // it closed after it was handed out: nobody would ever answer
            return promise.setFailure(new BackendUnavailableException("the server connection of database \""
                    + server.database().name() + "\" closed before pgwarden could use it", null));
        }
        server.listener(new InternalQuery(promise, statements.size()));
        for (String sql : statements) {
            server.writeInternalQuery(sql);
        }
        server.channel().flush();
        server.read();
        io.netty.util.concurrent.ScheduledFuture<?> timeout = server.channel().eventLoop().schedule(() -> {
            if (!promise.isDone()) {
                log.warn("{} did not answer pgwarden's own statements within {} s: closing it", server, TIMEOUT.toSeconds());
                server.channel().close(); // onServerClosed fails the promise
            }
        }, TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        promise.addListener(f -> timeout.cancel(false));
        return promise;
    }

    @Override
    public void onServerMessage(ServerConnection server, ByteBuf frame) {
        try {
            byte type = Frames.type(frame);
            if (type == BackendMessages.ERROR_RESPONSE && firstError == null) {
                firstError = ErrorResponse.decode(frame);
            } else if (type == BackendMessages.READY_FOR_QUERY && --awaitingReady == 0) {
                promise.trySuccess(Optional.ofNullable(firstError));
            }
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    @Override
    public void onServerReadComplete(ServerConnection server) {
        if (!promise.isDone()) {
            server.read();
        }
    }

    @Override
    public void onServerWritabilityChanged(ServerConnection server) {
    }

    @Override
    public void onServerClosed(ServerConnection server) {
        promise.tryFailure(new BackendUnavailableException("the server connection closed during " + "an internal query", null));
    }
}
