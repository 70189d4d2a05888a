package io.pgwarden.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.pgwarden.auth.AuthenticationFailedException;
import io.pgwarden.auth.ChannelBinding;
import io.pgwarden.auth.Md5Password;
import io.pgwarden.auth.ScramClientExchange;
import io.pgwarden.auth.ScramKeyCache;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.protocol.Frames;
import io.pgwarden.protocol.SqlState;
import io.pgwarden.protocol.backend.Authentication;
import io.pgwarden.protocol.backend.BackendKeyData;
import io.pgwarden.protocol.backend.BackendMessages;
import io.pgwarden.protocol.backend.ErrorResponse;
import io.pgwarden.protocol.backend.ParameterStatus;
import io.pgwarden.protocol.frontend.FrontendMessages;
import io.pgwarden.protocol.frontend.StartupMessage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The login phase of a connection to PostgreSQL: startup, authentication as the database's role
 * (trust, cleartext, md5, SCRAM-SHA-256, or SCRAM-SHA-256-PLUS over TLS; a client certificate, if
 * any, was given in the TLS handshake before), then the server's parameters and key until the first
 * ReadyForQuery. Then it hands the pipeline to a {@link ServerConnection} and completes the promise.
 *
 * <p>Owned by the channel's event loop. The one step that may not run there, deriving SCRAM keys
 * the cache does not have yet (PBKDF2), runs on the cache's executor; the login goes on back on the
 * event loop.
 */
final class BackendLoginHandler extends ChannelInboundHandlerAdapter {

    static final String NAME = "login";

    /** Where the login is; the SCRAM steps in between are the exchange's own state. */
    private enum LoginState { AUTHENTICATING, AUTHENTICATED, DONE }

    private static final Logger log = LoggerFactory.getLogger(BackendLoginHandler.class);

    private final DatabaseConfig database;
    private final BackendLogin login;
    private final io.pgwarden.metrics.DatabaseMeters meters;
    private final Promise<ServerConnection> promise;
    private final Map<String, String> parameters = new LinkedHashMap<>();
    private LoginState state = LoginState.AUTHENTICATING;
    private final ScramKeyCache scramKeys;
    private ScramClientExchange scram;
    private BackendKeyData key;

    /** The application_name sent at login, or null for none. */
    private final String applicationName;

    BackendLoginHandler(DatabaseConfig database, io.pgwarden.metrics.DatabaseMeters meters, ScramKeyCache scramKeys,
                        Promise<ServerConnection> promise) {
        this(database, BackendLogin.pooled(database), meters, scramKeys, promise, null);
    }

    BackendLoginHandler(DatabaseConfig database, io.pgwarden.metrics.DatabaseMeters meters, ScramKeyCache scramKeys,
                        Promise<ServerConnection> promise, String applicationName) {
        this(database, BackendLogin.pooled(database), meters, scramKeys, promise, applicationName);
    }

    /** @param applicationName sent at login unless {@code login}'s parameters have their own (a replication client's) */
    BackendLoginHandler(DatabaseConfig database, BackendLogin login, io.pgwarden.metrics.DatabaseMeters meters,
                        ScramKeyCache scramKeys, Promise<ServerConnection> promise, String applicationName) {
        this.applicationName = applicationName;
        this.database = database;
        this.login = login;
        this.scramKeys = scramKeys;
        this.meters = meters;
        this.promise = promise;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Map<String, String> startup = new LinkedHashMap<>();
        startup.put("user", login.user());
        startup.put("database", database.dbname());
        if (database.hasSchema()) {
            // the session default, so that RESET ALL and DISCARD ALL come back to the schema, as they do
            // to a startup setting on a direct connection
            startup.put("search_path", database.searchPath());
        }
        if (applicationName != null) {
            startup.put("application_name", applicationName);
        }
        startup.putAll(login.parameters()); // never user or database: BackendLogin refuses them
        ByteBuf out = ctx.alloc().buffer();
        new StartupMessage(3, 0, startup).encode(out);
        ctx.writeAndFlush(out);
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        try {
            switch (Frames.type(frame)) {
                case BackendMessages.AUTHENTICATION -> onAuthentication(ctx, Authentication.decode(frame));
                case BackendMessages.PARAMETER_STATUS -> {
                    ParameterStatus status = ParameterStatus.decode(frame);
                    parameters.put(status.name(), status.value());
                }
                case BackendMessages.BACKEND_KEY_DATA -> key = BackendKeyData.decode(frame);
                case BackendMessages.ERROR_RESPONSE -> fail(ctx, new BackendLoginException(ErrorResponse.decode(frame)));
                case BackendMessages.READY_FOR_QUERY -> onReady(ctx);
                default -> {
                    // NoticeResponse, NegotiateProtocolVersion: nothing to act on
                }
            }
        } catch (AuthenticationFailedException | RuntimeException e) {
            fail(ctx, new BackendLoginException(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION,
                    "login to the backend failed: " + e.getMessage())));
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    private void onAuthentication(ChannelHandlerContext ctx, Authentication request) throws AuthenticationFailedException {
        switch (request.code()) {
            case Authentication.OK -> {
                if (scram != null && scram.state() != ScramClientExchange.State.SUCCEEDED) {
                    // without SASLFinal the server never proved it knows the password: it may be anyone
                    throw new AuthenticationFailedException("the backend ended SCRAM authentication without proving its identity");
                }
                state = LoginState.AUTHENTICATED;
            }
            case Authentication.CLEARTEXT_PASSWORD ->
                    ctx.writeAndFlush(FrontendMessages.password(ctx.alloc(), login.password()));
            case Authentication.MD5_PASSWORD -> ctx.writeAndFlush(FrontendMessages.password(ctx.alloc(),
                    Md5Password.response(login.password(), login.user(), request.data())));
            case Authentication.SASL -> {
                scram = ScramClientExchange.forOffer(login.password(), scramKeys, request.mechanisms(), channelBinding(ctx));
                log.debug("logging in to database \"{}\" as \"{}\" with {} (offered: {})", database.name(), login.user(),
                        scram.mechanism(), request.mechanisms());
                ctx.writeAndFlush(FrontendMessages.saslInitialResponse(ctx.alloc(), scram.mechanism(), scram.clientFirstMessage()));
            }
            case Authentication.SASL_CONTINUE -> {
                expect(ScramClientExchange.State.AWAITING_SERVER_FIRST);
                CompletableFuture<Void> keys = scram.readServerFirst(request.data());
                if (keys.isDone()) {
                    keys.whenComplete((ignored, failure) -> answerServerFirst(ctx, failure)); // cached: right here
                } else {
                    keys.whenCompleteAsync((ignored, failure) -> answerServerFirst(ctx, failure), ctx.executor());
                }
            }
            case Authentication.SASL_FINAL -> {
                expect(ScramClientExchange.State.AWAITING_SERVER_FINAL);
                scram.handleServerFinal(request.data());
            }
            default -> throw new AuthenticationFailedException("backend asks for an authentication method pgwarden does not speak (code "
                    + request.code() + ")");
        }
    }

    /** Over TLS, the server certificate this connection's handshake got: what SCRAM-SHA-256-PLUS binds to. */
    private static ChannelBinding channelBinding(ChannelHandlerContext ctx) throws AuthenticationFailedException {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return ChannelBinding.NONE;
        }
        try {
            return ChannelBinding.tls((X509Certificate) ssl.engine().getSession().getPeerCertificates()[0]);
        } catch (SSLPeerUnverifiedException | ClassCastException e) {
            throw new AuthenticationFailedException("the backend's TLS certificate cannot be read for channel binding: " + e.getMessage());
        }
    }

    /** On the event loop, once the SCRAM keys are there or could not be derived: the SASLResponse. */
    private void answerServerFirst(ChannelHandlerContext ctx, Throwable failure) {
        assert ctx.executor().inEventLoop();
        if (state == LoginState.DONE || !ctx.channel().isActive()) {
            return; // failed, timed out or closed meanwhile
        }
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            fail(ctx, new BackendUnavailableException("could not derive the SCRAM keys to log in to the backend: " + cause, cause));
            return;
        }
        try {
            ctx.writeAndFlush(FrontendMessages.saslResponse(ctx.alloc(), scram.clientFinalMessage()));
        } catch (RuntimeException e) { // called from a future's callback, which would swallow it
            fail(ctx, new BackendLoginException(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION,
                    "login to the backend failed: " + e.getMessage())));
        }
    }

    private void expect(ScramClientExchange.State expected) throws AuthenticationFailedException {
        if (scram == null || scram.state() != expected) {
            throw new AuthenticationFailedException("unexpected SASL message from the backend");
        }
    }

    private void onReady(ChannelHandlerContext ctx) {
        if (state != LoginState.AUTHENTICATED) {
            fail(ctx, new BackendLoginException(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION,
                    "backend sent ReadyForQuery before AuthenticationOk")));
            return;
        }
        if (key == null) {
            fail(ctx, new BackendLoginException(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "backend sent no BackendKeyData")));
            return;
        }
        state = LoginState.DONE;
        ServerConnection server = new ServerConnection(ctx.channel(), database, key, parameters, meters);
        ctx.pipeline().replace(this, ServerPipeline.SERVER, server);
        if (!promise.trySuccess(server)) {
            ctx.close(); // timed out meanwhile
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (state != LoginState.DONE) {
            ctx.read();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        promise.tryFailure(new BackendUnavailableException("the backend closed the connection during login", null));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof BackendTlsException || root instanceof SSLException) {
            // as a refused login: the client hears the database is unavailable (08006), the reason goes to the log
            fail(ctx, new BackendLoginException(ErrorResponse.fatal(SqlState.CONNECTION_FAILURE, root.getMessage())));
            return;
        }
        fail(ctx, new BackendUnavailableException("connection to the backend failed: " + reason(root), cause));
    }

    /** In words, also for the exceptions that carry no message (a write to a connection that just closed). */
    private static String reason(Throwable failure) {
        if (failure.getMessage() != null) {
            return failure.getMessage();
        }
        return failure instanceof java.nio.channels.ClosedChannelException
                ? "the connection closed" : failure.getClass().getSimpleName();
    }

    private void fail(ChannelHandlerContext ctx, Exception cause) {
        state = LoginState.DONE;
        promise.tryFailure(cause);
        ctx.close();
    }
}
