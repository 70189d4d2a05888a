package io.pgwarden.admin;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.pgwarden.protocol.CStrings;
import io.pgwarden.protocol.Frames;
import io.pgwarden.protocol.SqlState;
import io.pgwarden.protocol.TransactionStatus;
import io.pgwarden.protocol.backend.ErrorResponse;
import io.pgwarden.protocol.backend.ParameterStatus;
import io.pgwarden.protocol.backend.ReadyForQuery;
import io.pgwarden.protocol.frontend.FrontendMessages;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One admin console connection, after authentication: greets the client as PostgreSQL would
 * after AuthenticationOk, then answers simple Query messages one at a time. Receives whole frames
 * (a {@code MessageFrameDecoder} sits before it). Reads are requested only when idle, so a PAUSE
 * that is still waiting holds back the client's next query; frames already read queue up.
 *
 * <p>The extended query protocol (and anything else but Query and Terminate) gets a FATAL 08P01
 * and a close: the console speaks the simple protocol only, like PgBouncer's.
 */
final class AdminSession extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(AdminSession.class);
    static final String SIMPLE_PROTOCOL_ONLY = "the admin console speaks only the simple query protocol";

    private final AdminConsole console;
    private final String service;
    private final ArrayDeque<ByteBuf> queued = new ArrayDeque<>();
    /** A command is running (PAUSE waiting): later frames wait in {@link #queued}. */
    private boolean busy;

    AdminSession(AdminConsole console, String service) {
        this.console = console;
        this.service = service;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        greetingParameters().forEach((name, value) -> ctx.write(new ParameterStatus(name, value).encode(ctx.alloc())));
        ctx.writeAndFlush(ReadyForQuery.encode(ctx.alloc(), TransactionStatus.IDLE));
        ctx.read();
    }

    /** What clients look for after login; server_version keeps psql and pgjdbc content, the rest says "plain UTF-8, ISO dates". */
    private Map<String, String> greetingParameters() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("server_version", "17.0 (" + console.version() + " admin console)");
        parameters.put("server_encoding", "UTF8");
        parameters.put("client_encoding", "UTF8");
        parameters.put("DateStyle", "ISO, MDY");
        parameters.put("IntervalStyle", "postgres");
        parameters.put("TimeZone", "UTC");
        parameters.put("integer_datetimes", "on");
        parameters.put("standard_conforming_strings", "on");
        parameters.put("is_superuser", "off");
        parameters.put("session_authorization", service);
        parameters.put("application_name", "");
        return parameters;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        if (busy) {
            queued.add(frame);
            return;
        }
        handle(ctx, frame);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!busy) {
            ctx.read();
        }
    }

    private void handle(ChannelHandlerContext ctx, ByteBuf frame) {
        try {
            byte type = Frames.type(frame);
            if (type == FrontendMessages.QUERY) {
                run(ctx, CStrings.read(Frames.body(frame)));
            } else if (type == FrontendMessages.TERMINATE) {
                ctx.close();
            } else {
                ctx.writeAndFlush(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, SIMPLE_PROTOCOL_ONLY).encode(ctx.alloc()))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    private void run(ChannelHandlerContext ctx, String query) {
        if (!console.mayStay(service)) {
            // a reload took the console away from this service: its session ends at its next command
            log.info("admin console: service \"{}\" is no longer under admin_services; its session ends", service);
            ctx.writeAndFlush(ErrorResponse.fatal(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied for database \"pgwarden\": service \""
                    + service + "\" is no longer an admin service (configuration reloaded)").encode(ctx.alloc()))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        AdminCommand command;
        try {
            command = AdminCommand.parse(query);
        } catch (AdminException e) {
            reply(ctx, null, e);
            return;
        }
        if (command.verb() == AdminCommand.Verb.EMPTY) {
            ByteBuf out = ctx.alloc().buffer(5);
            EmptyQueryResponse.encode(out);
            ctx.write(out);
            ctx.writeAndFlush(ReadyForQuery.encode(ctx.alloc(), TransactionStatus.IDLE));
            return;
        }
        if (command.verb() == AdminCommand.Verb.SHOW || command.verb() == AdminCommand.Verb.SET) {
            log.debug("admin console: service \"{}\" runs {}", service, query.strip());
        } else {
            log.info("admin console: service \"{}\" runs {}", service, query.strip()); // it changes something
        }
        CompletionStage<ResultTable> result = console.execute(command);
        busy = true;
        result.whenComplete((table, error) -> {
            if (ctx.executor().inEventLoop()) {
                finish(ctx, command, table, error);
            } else {
                ctx.executor().execute(() -> finish(ctx, command, table, error));
            }
        });
    }

    private void finish(ChannelHandlerContext ctx, AdminCommand command, ResultTable table, Throwable error) {
        busy = false;
        if (!ctx.channel().isActive()) {
            return;
        }
        reply(ctx, table, error);
        if (error == null && command.verb() == AdminCommand.Verb.SHUTDOWN && command.argument() == null) {
            ctx.channel().closeFuture().addListener(f -> console.shutdown());
            ctx.close();
            return;
        }
        while (!busy && !queued.isEmpty() && ctx.channel().isActive()) {
            handle(ctx, queued.poll());
        }
        if (!busy) {
            ctx.read();
        }
    }

    private void reply(ChannelHandlerContext ctx, ResultTable table, Throwable error) {
        if (error != null) {
            ctx.write(errorOf(error).encode(ctx.alloc()));
        } else {
            ByteBuf out = ctx.alloc().buffer();
            encode(table, out);
            ctx.write(out);
        }
        ctx.writeAndFlush(ReadyForQuery.encode(ctx.alloc(), TransactionStatus.IDLE));
    }

    private static ErrorResponse errorOf(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof AdminException admin) {
            return ErrorResponse.of("ERROR", admin.sqlState(), admin.getMessage());
        }
        log.warn("admin console command failed", cause);
        return ErrorResponse.of("ERROR", SqlState.INTERNAL_ERROR, "command failed: " + cause.getMessage());
    }

    /** RowDescription and DataRows when the command has columns, then CommandComplete. */
    static void encode(ResultTable table, ByteBuf out) {
        if (!table.columns().isEmpty()) {
            new RowDescription(table.columns()).encode(out);
            table.rows().forEach(row -> new DataRow(row).encode(out));
        }
        new CommandComplete(table.tag()).encode(out);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        queued.forEach(ReferenceCountUtil::release);
        queued.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin console connection failed: {}", cause.toString());
        ctx.close();
    }
}
