package io.pgwarden.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.pgwarden.admin.AdminAccess;
import io.pgwarden.admin.AdminConsole;
import io.pgwarden.auth.AuthenticationFailedException;
import io.pgwarden.auth.CertificateIdentity;
import io.pgwarden.auth.ChannelBinding;
import io.pgwarden.tls.ClientTls;
import io.pgwarden.metrics.AuthFailure;
import io.pgwarden.auth.Md5Password;
import io.pgwarden.auth.ScramServerExchange;
import io.pgwarden.config.AuthMethod;
import io.pgwarden.config.DatabaseConfig;
import io.pgwarden.config.ServiceConfig;
import io.pgwarden.protocol.Frames;
import io.pgwarden.protocol.MessageFrameDecoder;
import io.pgwarden.protocol.SqlState;
import io.pgwarden.protocol.backend.Authentication;
import io.pgwarden.protocol.frontend.FrontendMessages;
import io.pgwarden.protocol.frontend.PasswordMessage;
import io.pgwarden.protocol.frontend.SaslInitialResponse;
import io.pgwarden.protocol.frontend.StartupMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.Optional;

/**
 * The authentication phase: proves the client is the service it names (SCRAM-SHA-256, and over TLS
 * SCRAM-SHA-256-PLUS; md5, a client certificate, or certificate and SCRAM where the service is
 * configured for it), then checks the service is granted the database it asked for.
 * Both happen before any backend is touched. An unknown service runs a SCRAM exchange that fails at
 * its end, and a wrong password gets the same answer, so user names cannot be probed.
 */
final class AuthenticationHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(AuthenticationHandler.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private enum AuthState { AWAITING_SASL_INITIAL, AWAITING_SASL_FINAL, AWAITING_MD5, DONE }

    private final FrontendContext context;
    private final StartupMessage startup;
    private final PendingLogin login;
    private final ServiceConfig service; // null when unknown
    private AuthState state;
    private ScramServerExchange scram;
    private byte[] md5Salt;

    AuthenticationHandler(FrontendContext context, StartupMessage startup, PendingLogin login) {
        this.context = context;
        this.startup = startup;
        this.login = login;
        this.service = context.access().service(startup.user()).orElse(null);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        Optional<javax.net.ssl.SSLSession> tls = ClientTls.session(ctx.channel());
        if (service != null && service.auth().needsCertificate()) {
            Optional<AuthenticationFailedException> refusal =
                    CertificateIdentity.check(tls.flatMap(ClientTls::clientCertificate).orElse(null), service.name());
            if (refusal.isPresent()) {
                log.info("certificate authentication failed for service \"{}\" from {}: {}", startup.user(),
                        ctx.channel().remoteAddress(), refusal.get().getMessage());
                failAuthentication(ctx, refusal.get());
                return;
            }
            if (service.auth() == AuthMethod.CERT) {
                authenticated(ctx);
                return;
            }
        }
        if (service != null && service.auth() == AuthMethod.MD5) {
            md5Salt = new byte[4];
            RANDOM.nextBytes(md5Salt);
            state = AuthState.AWAITING_MD5;
            ctx.writeAndFlush(Authentication.md5Password(ctx.alloc(), md5Salt));
        } else {
            // bound to the certificate this connection's handshake sent, rotation or not
            ChannelBinding channel = tls.flatMap(ClientTls::serverCertificate).map(ChannelBinding::tls).orElse(ChannelBinding.NONE);
            // none when a reload changed the service's method between the two reads: answered as an unknown user
            io.pgwarden.auth.ScramVerifier verifier = service != null ? context.credentials().verifier(service) : null;
            scram = verifier != null
                    ? new ScramServerExchange(verifier, channel)
                    : ScramServerExchange.forUnknownUser(startup.user(), context.credentials().mockSecret(), channel);
            state = AuthState.AWAITING_SASL_INITIAL;
            ctx.writeAndFlush(Authentication.sasl(ctx.alloc(), scram.mechanisms().toArray(String[]::new)));
        }
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf frame)) {
            // only frames are expected here; anything else is a bug in the pipeline, never the client's stack trace
            ReferenceCountUtil.release(msg);
            ClientErrors.protocolViolation(ctx.channel(), "expected password response");
            return;
        }
        try {
            if (Frames.type(frame) == FrontendMessages.TERMINATE) {
                ctx.close();
                return;
            }
            if (Frames.type(frame) != FrontendMessages.PASSWORD) {
                ClientErrors.protocolViolation(ctx.channel(), "expected password response, got message type "
                        + (Frames.type(frame) & 0xff)); // PostgreSQL's words, its type as a number
                return;
            }
            switch (state) {
                case AWAITING_SASL_INITIAL -> onSaslInitial(ctx, SaslInitialResponse.decode(frame));
                case AWAITING_SASL_FINAL -> onSaslFinal(ctx, PasswordMessage.saslData(frame));
                case AWAITING_MD5 -> onMd5(ctx, PasswordMessage.password(frame));
                case DONE -> ClientErrors.protocolViolation(ctx.channel(), "unexpected password message");
            }
        } catch (AuthenticationFailedException e) {
            log.info("authentication failed for service \"{}\" from {}: {}", startup.user(), ctx.channel().remoteAddress(), e.getMessage());
            failAuthentication(ctx, e);
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    private void onSaslInitial(ChannelHandlerContext ctx, SaslInitialResponse initial) throws AuthenticationFailedException {
        byte[] serverFirst = scram.handleClientFirst(initial.mechanism(), initial.data());
        state = AuthState.AWAITING_SASL_FINAL;
        ctx.writeAndFlush(Authentication.saslContinue(ctx.alloc(), serverFirst));
        ctx.read();
    }

    private void onSaslFinal(ChannelHandlerContext ctx, byte[] clientFinal) throws AuthenticationFailedException {
        byte[] serverFinal = scram.handleClientFinal(clientFinal);
        if (service == null) {
            throw new AuthenticationFailedException("no such service"); // the mock exchange never gets here
        }
        afterThrottle(ctx, context.failedLogins().beforeSuccess(address(ctx)), () -> {
            ctx.write(Authentication.saslFinal(ctx.alloc(), serverFinal));
            authenticated(ctx);
        });
    }

    private void onMd5(ChannelHandlerContext ctx, String response) throws AuthenticationFailedException {
        if (!Md5Password.verify(service.password(), service.name(), md5Salt, response)) {
            throw new AuthenticationFailedException("md5 response does not match");
        }
        afterThrottle(ctx, context.failedLogins().beforeSuccess(address(ctx)), () -> authenticated(ctx));
    }

    /**
     * Most failures get one answer, so that nothing can be probed; those PostgreSQL words otherwise
     * (a mechanism not offered, channel binding, the client certificate) get PostgreSQL's words.
     */
    private void failAuthentication(ChannelHandlerContext ctx, AuthenticationFailedException failure) {
        state = AuthState.DONE;
        AuthenticationFailedException.ClientError error = failure.clientError();
        AuthFailure reason = error == null ? (service == null ? AuthFailure.UNKNOWN_SERVICE : AuthFailure.WRONG_PASSWORD)
                : switch (failure.reason()) {
                    case CREDENTIALS, PROTOCOL -> AuthFailure.PROTOCOL_ERROR;
                    case CHANNEL_BINDING -> AuthFailure.CHANNEL_BINDING;
                    case CERTIFICATE -> AuthFailure.CERTIFICATE;
                };
        context.metrics().clientAuthFailed(startup.user(), startup.database(), reason);
        FailedLogins.Verdict verdict = context.failedLogins().failed(startup.user(), address(ctx));
        for (FailedLogins.Episode episode : verdict.started()) {
            log.warn("{} failed logins within {} s for {} {}: {} delayed (up to limits.auth_failure_max_delay) until the window "
                    + "ends; counted in pgwarden_login_throttle_episodes_total", episode.failures(), episode.window().toSeconds(),
                    episode.by().label(), episode.key(), episode.by() == io.pgwarden.metrics.ThrottleKey.SERVICE
                            ? "its further failures are" : "every further answer to it is");
            context.metrics().loginThrottleStarted(episode.by());
        }
        // the same answer as ever, only later: throttling must not tell a wrong password from anything else
        io.pgwarden.protocol.backend.ErrorResponse answer = error == null
                ? io.pgwarden.protocol.backend.ErrorResponse.fatal(SqlState.INVALID_PASSWORD,
                        "password authentication failed for user \"" + startup.user() + "\"")
                : io.pgwarden.protocol.backend.ErrorResponse.of("FATAL", error.sqlState(), error.message(), error.detail());
        afterThrottle(ctx, verdict.delay(), () -> ClientErrors.fatal(ctx.channel(), answer));
    }

    /** Runs the answer now, or after the delay {@link FailedLogins} asked for (nothing is read meanwhile). */
    private static void afterThrottle(ChannelHandlerContext ctx, java.time.Duration delay, Runnable answer) {
        if (delay.isZero()) {
            answer.run();
            return;
        }
        ctx.executor().schedule(() -> {
            if (ctx.channel().isActive()) { // the client may have given up, or the login timed out meanwhile
                answer.run();
            }
        }, delay.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private static java.net.InetAddress address(ChannelHandlerContext ctx) {
        return ((java.net.InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
    }

    /** The client is the service it says; now: may it open the database it asked for? */
    private void authenticated(ChannelHandlerContext ctx) {
        state = AuthState.DONE;
        login.end();
        ctx.writeAndFlush(Authentication.ok(ctx.alloc()));
        String requested = startup.database();
        boolean replication = ReplicationRequest.of(startup.parameters().get("replication")) == ReplicationRequest.LOGICAL;
        if (AdminAccess.isAdminDatabase(requested)) {
            if (replication) {
                ClientErrors.fatal(ctx.channel(), SqlState.FEATURE_NOT_SUPPORTED,
                        "the admin console does not take replication connections");
                return;
            }
            openAdminConsole(ctx);
            return;
        }
        Optional<DatabaseConfig> route = context.access().route(service, requested);
        if (route.isEmpty()) {
            refuseDatabase(ctx, "not granted");
            return;
        }
        if (replication && !service.replication()) {
            refuseReplication(ctx);
            return;
        }
        ctx.pipeline().replace(ClientPipeline.FRAMES, ClientPipeline.FRAMES,
                MessageFrameDecoder.forwarding(context.config().limits().maxMessageSize()));
        DatabaseConfig database = route.get();
        Optional<String> overQuota = context.quotas().admit(service, database);
        if (overQuota.isPresent()) {
            log.info("service \"{}\" refused: {}", service.name(), overQuota.get());
            ClientErrors.fatal(ctx.channel(), SqlState.TOO_MANY_CONNECTIONS, overQuota.get());
            return;
        }
        ServiceConfig admitted = service;
        ctx.channel().closeFuture().addListener(f -> context.quotas().leave(admitted, database));
        context.metrics().clientAccepted(service.name(), database.name());
        ctx.pipeline().replace(this, ClientPipeline.SESSION,
                replication ? new ReplicationClient(context, database, startup) : new PooledClient(context, database, startup));
    }

    /**
     * A granted database, but the service may not replicate: refused before any backend connection
     * is opened, in the words PostgreSQL uses for a role without REPLICATION.
     */
    private void refuseReplication(ChannelHandlerContext ctx) {
        log.info("service \"{}\" denied a replication connection to database \"{}\": services.{}.replication is not true",
                service.name(), startup.database(), service.name());
        context.metrics().clientDenied(service.name(), startup.database());
        ClientErrors.fatal(ctx.channel(), io.pgwarden.protocol.backend.ErrorResponse.of("FATAL",
                SqlState.INSUFFICIENT_PRIVILEGE, "permission denied to start WAL sender",
                "Service \"" + service.name() + "\" may not open replication connections: pgwarden allows them only to "
                        + "services with replication: true."));
    }

    /**
     * The database asked for is not granted, does not exist, or is the admin console and the service
     * is not under admin_services: one answer for all, so that no name can be probed. The reason
     * goes to the log.
     */
    private void refuseDatabase(ChannelHandlerContext ctx, String reason) {
        String requested = startup.database();
        log.info("service \"{}\" denied database \"{}\": {}", service.name(), requested, reason);
        context.metrics().clientDenied(service.name(), requested);
        ClientErrors.fatal(ctx.channel(), io.pgwarden.protocol.backend.ErrorResponse.of("FATAL",
                SqlState.INSUFFICIENT_PRIVILEGE, "permission denied for database \"" + requested + "\"",
                "Service \"" + service.name() + "\" is not granted access to database \"" + requested + "\"."));
    }

    /** The virtual database {@code pgwarden}: only services listed under admin_services. */
    private void openAdminConsole(ChannelHandlerContext ctx) {
        if (!AdminAccess.mayOpen(context.config(), service.name())) {
            refuseDatabase(ctx, "the admin console, and the service is not listed under admin_services");
            return;
        }
        context.metrics().clientAccepted(service.name(), startup.database());
        ctx.pipeline().replace(ClientPipeline.FRAMES, ClientPipeline.FRAMES, new MessageFrameDecoder(AdminConsole.MAX_MESSAGE_LENGTH));
        ctx.pipeline().replace(this, ClientPipeline.SESSION, context.console().newSession(service.name()));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        StartupHandler.failConnection(ctx, cause);
    }
}
