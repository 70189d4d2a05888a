package io.pgwarden.frontend;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgwarden.protocol.MessageFrameDecoder;
import io.pgwarden.protocol.ProtocolException;
import io.pgwarden.protocol.SqlState;
import io.pgwarden.protocol.backend.ErrorResponse;
import io.pgwarden.protocol.backend.NegotiateProtocolVersion;
import io.pgwarden.protocol.frontend.CancelRequest;
import io.pgwarden.protocol.frontend.EarlyTerminate;
import io.pgwarden.protocol.frontend.GssEncRequest;
import io.pgwarden.protocol.frontend.SslRequest;
import io.pgwarden.protocol.frontend.StartupMessage;
import io.pgwarden.protocol.frontend.StartupPacket;
import io.pgwarden.protocol.frontend.StartupPacketDecoder;
import io.pgwarden.tls.ClientTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The startup phase of a client connection: encryption requests (SSLRequest answered 'S' and TLS
 * started when listen.tls is enabled, 'N' otherwise; GSSENCRequest 'N'), cancel requests, and the
 * StartupMessage, whose protocol version is checked as PostgreSQL checks it. Hands over to
 * {@link AuthenticationHandler}.
 */
final class StartupHandler extends SimpleChannelInboundHandler<StartupPacket> {

    private static final Logger log = LoggerFactory.getLogger(StartupHandler.class);
    /** PostgreSQL's PG_MAX_AUTH_TOKEN_LENGTH: no authentication message may be longer. */
    static final int MAX_AUTH_MESSAGE_LENGTH = 65_535 + 5;
    /** Refused connections get one log line per this many. */
    static final int REFUSALS_PER_LOG_LINE = 1000;

    private final FrontendContext context;
    private final StartupPacketDecoder decoder;
    private PendingLogin login;
    /** The encryption request just refused, when the last packet was one: the same one next is not accepted. */
    private StartupPacket refusedEncryption;

    StartupHandler(FrontendContext context, StartupPacketDecoder decoder) {
        this.context = context;
        this.decoder = decoder;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        InetAddress address = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
        Optional<PendingLogins.Refusal> refusal = context.pendingLogins().enter(address);
        if (refusal.isPresent()) {
            refuse(ctx, refusal.get());
            return;
        }
        long timeoutMillis = context.config().limits().loginTimeout().toMillis(); // PostgreSQL's authentication_timeout
        ScheduledFuture<?> timeout = ctx.executor().schedule(() -> {
            log.info("client {} did not finish its login within {} ms (limits.login_timeout)", ctx.channel().remoteAddress(), timeoutMillis);
            context.metrics().clientAuthFailed(io.pgwarden.metrics.Labels.UNKNOWN, io.pgwarden.metrics.Labels.UNKNOWN,
                    io.pgwarden.metrics.AuthFailure.TIMEOUT);
            ClientErrors.fatal(ctx.channel(), SqlState.PROTOCOL_VIOLATION, "canceling authentication due to timeout");
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        login = new PendingLogin(context.pendingLogins(), address, timeout);
        ctx.channel().closeFuture().addListener(f -> login.end());
        ctx.read();
        ctx.fireChannelActive();
    }

    /** Too many logins pending: refused at once, before reading a byte, as PostgreSQL refuses a client over max_connections. */
    private void refuse(ChannelHandlerContext ctx, PendingLogins.Refusal refusal) {
        context.metrics().loginRefused(refusal.limit());
        if (refusal.refusedSoFar() % REFUSALS_PER_LOG_LINE == 1) { // a flood must not flood the log too
            log.warn("refusing new connections: limits.{} reached (latest from {}; {} refused since start, counted in "
                    + "pgwarden_logins_refused_total)", refusal.limit().label(), ctx.channel().remoteAddress(), refusal.refusedSoFar());
        }
        ClientErrors.fatal(ctx.channel(), SqlState.TOO_MANY_CONNECTIONS, "sorry, too many clients already");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, StartupPacket packet) {
        if (packet instanceof SslRequest || packet instanceof GssEncRequest) {
            onEncryptionRequest(ctx, packet);
        } else if (packet instanceof CancelRequest cancel) {
            onCancel(ctx, cancel);
        } else if (packet instanceof StartupMessage startup) {
            onStartup(ctx, startup);
        } else if (packet instanceof EarlyTerminate) {
            ctx.close(); // as PostgreSQL: not a word to a client that has already left
        }
    }

    /**
     * No TLS or GSS encryption yet: the client goes on in the clear or gives up, its choice. As in
     * PostgreSQL's ProcessStartupPacket: bytes sent before the answer are refused (they would have
     * been meant for after a TLS handshake), and a request of the kind just refused is not taken for
     * one, but for a startup packet of an unknown protocol version.
     */
    private void onEncryptionRequest(ChannelHandlerContext ctx, StartupPacket request) {
        boolean ssl = request instanceof SslRequest;
        // once in TLS (after 'S' or a direct ClientHello) no encryption is negotiated again, as in PostgreSQL
        if (request == refusedEncryption || ClientTls.session(ctx.channel()).isPresent()) {
            int code = ssl ? SslRequest.CODE : GssEncRequest.CODE;
            refuseProtocolVersion(ctx, code >>> 16, code & 0xffff);
            return;
        }
        boolean startTls = ssl && context.tls().enabled();
        refusedEncryption = startTls ? null : request;
        ctx.write(Unpooled.wrappedBuffer(new byte[] {startTls ? (byte) 'S' : (byte) 'N'}));
        if (decoder.bufferedBytes() > 0) {
            ClientErrors.fatal(ctx.channel(), ErrorResponse.of("FATAL", SqlState.PROTOCOL_VIOLATION,
                    "received unencrypted data after " + (ssl ? "SSL request" : "GSSAPI encryption request"),
                    "This could be either a client-software bug or evidence of an attempted man-in-the-middle attack."));
            return;
        }
        ctx.flush(); // 'S' in the clear, before TLS is in the pipeline
        if (startTls) {
            ClientTlsHandshake.begin(ctx.channel(), context.tls(), false);
        }
        ctx.read();
    }

    private static void refuseProtocolVersion(ChannelHandlerContext ctx, int major, int minor) {
        ClientErrors.fatal(ctx.channel(), SqlState.FEATURE_NOT_SUPPORTED, String.format(
                "unsupported frontend protocol %d.%d: server supports 3.0 to 3.0", major, minor));
    }

    private void onCancel(ChannelHandlerContext ctx, CancelRequest cancel) {
        // PostgreSQL answers a cancel request with nothing at all, and closes once it has signalled the backend
        context.metrics().cancelRequest(context.cancels().cancel(cancel, context.canceller(), ctx::close));
    }

    private void onStartup(ChannelHandlerContext ctx, StartupMessage startup) {
        if (startup.majorVersion() != 3) {
            refuseProtocolVersion(ctx, startup.majorVersion(), startup.minorVersion());
            return;
        }
        String user = startup.user();
        if (user == null || user.isEmpty()) {
            ClientErrors.fatal(ctx.channel(), SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "no PostgreSQL user name specified in startup packet");
            return;
        }
        if (context.tls().mode().requiresTls() && ClientTls.session(ctx.channel()).isEmpty()) {
            refuseWithoutTls(ctx, startup, context.tls().mode());
            return;
        }
        ReplicationRequest replication;
        try {
            replication = ReplicationRequest.of(startup.parameters().get("replication"));
        } catch (IllegalArgumentException e) {
            ClientErrors.fatal(ctx.channel(), ErrorResponse.of("FATAL", SqlState.INVALID_PARAMETER_VALUE, e.getMessage(),
                    "Valid values are: \"false\", 0, \"true\", 1, \"database\"."));
            return;
        }
        if (replication == ReplicationRequest.PHYSICAL) {
            // logical replication (replication=database) goes through, after authentication and the grant check
            ClientErrors.fatal(ctx.channel(), ErrorResponse.of("FATAL", SqlState.FEATURE_NOT_SUPPORTED,
                    "physical replication connections are not supported by pgwarden",
                    "pgwarden carries logical replication (replication=database) only: connect pg_basebackup and standbys "
                            + "to PostgreSQL directly."));
            return;
        }
        List<String> protocolOptions = startup.parameters().keySet().stream().filter(n -> n.startsWith("_pq_.")).toList();
        if (startup.minorVersion() > 0 || !protocolOptions.isEmpty()) {
            ctx.write(new NegotiateProtocolVersion(0, protocolOptions).encode(ctx.alloc()));
        }
        ctx.pipeline().replace(ClientPipeline.STARTUP, ClientPipeline.FRAMES, new MessageFrameDecoder(MAX_AUTH_MESSAGE_LENGTH));
        ctx.pipeline().replace(this, ClientPipeline.HANDSHAKE, new AuthenticationHandler(context, startup, login));
    }

    /**
     * listen.tls.mode require or stricter, and the client did not ask for TLS: refused after its
     * startup packet, as PostgreSQL refuses a client that only a hostssl line would let in.
     */
    private static void refuseWithoutTls(ChannelHandlerContext ctx, StartupMessage startup, io.pgwarden.config.ClientTlsMode mode) {
        String host = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress().getHostAddress();
        log.info("client {} refused: listen.tls.mode is {} and it did not use TLS", ctx.channel().remoteAddress(), mode.yamlName());
        ClientErrors.fatal(ctx.channel(), ErrorResponse.of("FATAL", SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                "connection for host \"" + host + "\", user \"" + startup.user() + "\", database \"" + startup.database()
                        + "\" refused: no encryption",
                "pgwarden accepts TLS connections only: connect with sslmode=require or stricter."));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failConnection(ctx, cause);
    }

    /**
     * A broken socket is just closed; so is a failed TLS handshake, with one log line (the client
     * has had its TLS alert); bytes that make no sense get 08P01 first.
     */
    static void failConnection(ChannelHandlerContext ctx, Throwable cause) {
        Throwable tlsFailure = cause instanceof io.netty.handler.codec.DecoderException ? cause.getCause() : cause;
        if (tlsFailure instanceof javax.net.ssl.SSLException) {
            log.info("TLS with client {} failed: {}", ctx.channel().remoteAddress(), tlsFailure.getMessage());
            ctx.close();
            return;
        }
        if (cause instanceof java.io.IOException) {
            ctx.close();
            return;
        }
        Throwable root = cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (!(root instanceof ProtocolException) && !(root instanceof io.netty.handler.codec.TooLongFrameException)
                && !(root instanceof io.netty.handler.codec.CorruptedFrameException)) {
            log.error("unexpected failure on client connection {}", ctx.channel().remoteAddress(), cause);
        }
        ClientErrors.protocolViolation(ctx.channel(), protocolMessage(cause));
    }

    /** What to tell a client whose bytes made no sense (never a stack trace). */
    static String protocolMessage(Throwable cause) {
        Throwable root = cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof ProtocolException) {
            return root.getMessage();
        }
        if (root instanceof io.netty.handler.codec.TooLongFrameException) {
            return "invalid message length: message too long";
        }
        if (root instanceof io.netty.handler.codec.CorruptedFrameException) {
            return "invalid message length";
        }
        return "invalid frontend message";
    }
}
