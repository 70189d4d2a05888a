package io.pgwarden.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;
import io.pgwarden.backend.PendingResponses;
import io.pgwarden.backend.PendingResponses.Kind;
import io.pgwarden.backend.ServerConnection;
import io.pgwarden.backend.ServerSessionState;
import io.pgwarden.backend.ServerStatements;
import io.pgwarden.backend.StatementNames;
import io.pgwarden.frontend.ClientStatements.Statement;
import io.pgwarden.pool.ServerLease;
import io.pgwarden.protocol.Frames;
import io.pgwarden.protocol.ProtocolException;
import io.pgwarden.protocol.SqlState;
import io.pgwarden.protocol.TransactionStatus;
import io.pgwarden.protocol.backend.BackendMessages;
import io.pgwarden.protocol.backend.DataRow;
import io.pgwarden.protocol.backend.ErrorResponse;
import io.pgwarden.protocol.backend.ParameterStatus;
import io.pgwarden.protocol.frontend.Bind;
import io.pgwarden.protocol.frontend.Describe;
import io.pgwarden.protocol.frontend.FrontendMessages;
import io.pgwarden.protocol.frontend.Parse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A transaction-mode client's side of whichever server runs its transaction. Everything here runs
 * on that server's event loop: client messages are forwarded, renaming named statements to
 * pgwarden's names (and preparing them first where the server lacks them), and server responses
 * are matched to requests through {@link PendingResponses} so that pgwarden's own responses are
 * hidden and the ones it answers itself arrive in order. At ReadyForQuery 'I' with nothing in
 * flight it asks the {@link ServerLease} to end, there and then.
 */
final class TransactionLink implements ServerSide {

    private static final Logger log = LoggerFactory.getLogger(TransactionLink.class);

    /** A client Parse that reuses a live name: the server is made to refuse it (42P05) about that statement. */
    private record Redefinition(Statement existing) {
    }

    /**
     * Requests that end session state ({@link PinReason} bits), carried on their Query or Sync: the
     * pin reasons go only when the request succeeded and left no transaction open (a transaction
     * may still roll the change back). Rare: made only for such requests.
     */
    private static final class Unpin {
        final int reasons;
        boolean failed;

        Unpin(int reasons) {
            this.reasons = reasons;
        }
    }

    /** pgwarden's own SHOW search_path among the pending requests: its value, once its row came. */
    private static final class SearchPathQuestion {
        /** {@link #searchPathChanges} when it was asked: a later SET or RESET makes the answer stale. */
        final int asked;
        String value;

        SearchPathQuestion(int asked) {
            this.asked = asked;
        }
    }


    private final Channel client;
    private final ClientOutbox outbox;
    private final long clientId;
    /** The statement scope of this client alone: no search_path is spelled with a NUL. */
    private final String ownScope;
    private final ClientSettings settings;
    private final ClientStatements statements = new ClientStatements();
    private final StatementNames names;
    private final PendingResponses pending = new PendingResponses();
    private ServerLease lease;
    private ServerConnection server;
    /** After an extended-protocol error, PostgreSQL ignores everything up to Sync: so does pgwarden. */
    private boolean skippingToSync;
    /** COPY FROM STDIN is taking this client's data: PostgreSQL ignores Sync and Flush until CopyDone or CopyFail. */
    private boolean copyIn;
    /**
     * Where the client's CopyDone and CopyFail fell among its requests when they came before the
     * server's CopyInResponse (a client that pipelines whole COPYs), oldest first: for the COPY that
     * begins, the Syncs before its end were read by the COPY, the ones after it are real. Ends that
     * fall before the COPY's own request belonged to a COPY that failed or never began.
     */
    private final java.util.ArrayDeque<Long> copyEndsAhead = new java.util.ArrayDeque<>(2);
    /** Where each run of CopyData sent before the server's CopyInResponse began among the requests, oldest first. */
    private final java.util.ArrayDeque<Long> copyDataAhead = new java.util.ArrayDeque<>(2);
    private boolean lastWrittenWasCopyData;
    /**
     * Requests pipelined inside the data of the COPY now running (after some of its CopyData, before
     * its end): PostgreSQL reads them as part of the COPY unless the COPY fails first, on a line of
     * data nobody can point to. Settled by how the COPY ends.
     */
    private int copyUncertain;
    /** pgwarden lost track of this server's answers and is closing it: nothing more goes either way. */
    private boolean synchronizationLost;
    /** The place of the last extended-protocol request sent: a Query after it ends that extended query when it is answered. */
    private long lastExtendedPlace = -1;
    private boolean answeredSinceFlush;
    /** Timestamps for the timeouts, read from the client's loop; kept only when a timeout is set. */
    private final boolean timed;
    /** The client must go once its server is idle outside a transaction (see {@link #endWhenIdle()}). */
    private boolean endWhenIdle;
    /** The grant the client held when it was asked to go: a later holder of the same server is never ended. */
    private int endGrant;
    private volatile long busySinceNanos;
    private volatile long idleInTransactionSinceNanos;
    /** Since when a pinned client keeps its server while idle outside a transaction (0: it does not). */
    private volatile long pinnedIdleSinceNanos;
    /** pinning: auto. Off: nothing pins, LISTEN is refused. */
    private final boolean pinning;
    /** Settings pgwarden carries to the next server itself, as the current server reports them: their SET needs no pin. */
    private final java.util.function.Predicate<String> carried = name -> name.startsWith(PinScanner.ROLE_PREFIX)
            ? name.length() - PinScanner.ROLE_PREFIX.length() == server.database().user().length()
                    && name.endsWith(server.database().user()) // the role it logs in as: the identity reset gives every client that one
            : ClientSettings.carries(name, server.parameters());
    /** Reasons ended by extended-protocol statements since the last Sync: they go with it. */
    private int extendedUnpins;
    /** A statement since the last Sync began or ended a transaction block: the batch's unpins do not count. */
    private boolean extendedTransactionControl;
    /**
     * A statement sent since pgwarden last asked set search_path, which this server does not report
     * (before PostgreSQL 18): pgwarden asks with SHOW once the server is idle outside a transaction,
     * before the lease may end, instead of pinning the client (Liquibase sets it at every Keycloak boot).
     */
    private boolean searchPathUnknown;
    /** pgwarden's SHOW search_path sent and not answered yet. */
    private int searchPathQuestions;
    /** SETs and RESETs of search_path forwarded so far. */
    private int searchPathChanges;

    TransactionLink(PooledClient session, Channel client, long clientId, ClientSettings settings, StatementNames names,
                    boolean timed, boolean pinning) {
        this.pinning = pinning;
        this.timed = timed;
        this.client = client;
        this.outbox = new ClientOutbox(session, client);
        this.clientId = clientId;
        this.ownScope = "\0client " + clientId;
        this.settings = settings;
        this.names = names;
    }

    /** Takes the lease's server for a transaction; brings it to this client's settings first if needed. */
    @Override
    public boolean attach(ServerLease lease) {
        this.lease = lease;
        this.server = lease.server();
        outbox.attach(lease);
        pending.clear();
        skippingToSync = false;
        copyIn = false;
        copyEndsAhead.clear();
        copyDataAhead.clear();
        lastWrittenWasCopyData = false;
        copyUncertain = 0;
        synchronizationLost = false;
        lastExtendedPlace = -1;
        extendedUnpins = 0;
        extendedTransactionControl = false;
        pinnedIdleSinceNanos = 0;
        searchPathUnknown = false;
        searchPathQuestions = 0;
        if (!lease.attach(this)) {
            return false;
        }
        if (timed) {
            busySinceNanos = System.nanoTime();
            idleInTransactionSinceNanos = 0;
        }
        String sync = prepareFor(server.sessionState());
        if (sync != null) {
            server.writeInternalQuery(sync);
            pending.add(Kind.QUERY_HIDDEN, null);
        }
        return true;
    }

    /**
     * What the server must run before this client's transaction, or null: the role reset when
     * another client may have changed it (no client may leave the next one another current_user),
     * then this client's settings.
     */
    private String prepareFor(ServerSessionState session) {
        boolean otherClient = session.lastClientId() != clientId;
        String reset = otherClient && session.takeIdentityChange() ? ServerSessionState.IDENTITY_RESET : null;
        String sync = settings.syncStatement(clientId, session, server.parameters());
        if (reset == null) {
            return sync;
        }
        return sync == null ? reset : reset + "; " + sync;
    }

    // ---- client → server -------------------------------------------------------------------------

    @Override
    public void forward(ByteBuf frame) {
        lease.processed(); // asserts the server's loop
        byte type = Frames.type(frame);
        if (synchronizationLost || skippingToSync && type != FrontendMessages.SYNC) {
            ReferenceCountUtil.release(frame);
            return;
        }
        try {
            switch (type) {
                case FrontendMessages.BIND -> onBind(frame);
                case FrontendMessages.EXECUTE -> send(frame, Kind.EXECUTE, null);
                case FrontendMessages.SYNC -> onSync(frame);
                case FrontendMessages.PARSE -> onParse(frame);
                case FrontendMessages.DESCRIBE, FrontendMessages.CLOSE -> onDescribeOrClose(frame);
                case FrontendMessages.QUERY -> onQuery(frame);
                case FrontendMessages.FUNCTION_CALL -> send(frame, Kind.FUNCTION_CALL, null);
                case FrontendMessages.FLUSH -> onFlush(frame);
                case FrontendMessages.COPY_DONE, FrontendMessages.COPY_FAIL -> onCopyEnd(frame);
                case FrontendMessages.COPY_DATA -> onCopyData(frame);
                default -> write(frame); // no response of its own
            }
        } catch (ProtocolException malformed) {
            // the name could not be read, and names are read before the frame goes anywhere: it is
            // still ours. PostgreSQL reads it as it came and answers as it would directly (08P01,
            // the transaction failed, everything skipped up to Sync).
            send(frame, malformedKind(type), null);
        }
    }

    private static Kind malformedKind(byte type) {
        return switch (type) {
            case FrontendMessages.PARSE -> Kind.PARSE;
            case FrontendMessages.BIND -> Kind.BIND;
            case FrontendMessages.DESCRIBE -> Kind.DESCRIBE_STATEMENT;
            default -> Kind.CLOSE;
        };
    }

    private void onSync(ByteBuf frame) {
        if (copyIn) {
            ReferenceCountUtil.release(frame); // PostgreSQL would read it as part of the COPY and ignore it
            return;
        }
        skippingToSync = false;
        Unpin unpin = extendedUnpins == 0 || extendedTransactionControl ? null : new Unpin(extendedUnpins);
        extendedUnpins = 0;
        extendedTransactionControl = false;
        send(frame, Kind.SYNC, unpin);
    }

    private void onFlush(ByteBuf frame) {
        if (copyIn) {
            ReferenceCountUtil.release(frame);
        } else if (frame.readableBytes() > Frames.HEADER_LENGTH) {
            send(frame, Kind.REFUSED, null); // a Flush with a body: PostgreSQL answers 08P01 and skips to Sync
        } else {
            write(frame);
        }
    }

    private void onCopyData(ByteBuf frame) {
        if (!copyIn && !lastWrittenWasCopyData && !pending.isEmpty()) {
            copyDataAhead.add(pending.tailPlace()); // once per run of data (boxed: rare)
        }
        write(frame);
    }

    private void onCopyEnd(ByteBuf frame) {
        if (!copyIn && !pending.isEmpty()) {
            copyEndsAhead.add(pending.tailPlace()); // ahead of the server's CopyInResponse (boxed: once per COPY at most)
        }
        copyIn = false;
        if (timed) {
            busySinceNanos = System.nanoTime(); // the server finishes the COPY now
            idleInTransactionSinceNanos = 0;
        }
        write(frame);
    }

    @Override
    public void flush() {
        server.channel().flush();
        if (answeredSinceFlush) {
            answeredSinceFlush = false;
            outbox.flush(null);
        }
    }

    long busySinceNanos() {
        return busySinceNanos;
    }

    long idleInTransactionSinceNanos() {
        return idleInTransactionSinceNanos;
    }

    long pinnedIdleSinceNanos() {
        return pinnedIdleSinceNanos;
    }

    private void onBind(ByteBuf frame) {
        String name = Bind.statement(frame);
        if (name.isEmpty()) {
            send(frame, Kind.BIND, null);
            return;
        }
        Statement statement = statements.get(name);
        if (statement == null) {
            statement = Statement.unknown(name); // the server answers 26000
        } else if (names.retiredError(statement.serverName()) != null) {
            refuseStaleResultType(frame, names.retiredError(statement.serverName()));
            return;
        } else {
            if (!pinFor(statement.effect())) {
                refuseStaleResultType(frame, maxPinnedError(PinScanner.pins(statement.effect())));
                return;
            }
            extendedUnpins |= unpinsFor(statement.effect());
            extendedTransactionControl |= PinScanner.controlsTransactions(statement.effect());
            noteSearchPath(statement.effect());
            ensurePrepared(statement);
            if (statement.changesIdentity()) {
                server.sessionState().identityMayHaveChanged();
            }
        }
        send(Bind.withStatement(server.channel().alloc(), frame, statement.serverName()), Kind.BIND, statement);
    }

    /**
     * The client binds a statement whose result type changed under DDL since it prepared it (or one
     * that would pin it past max_pinned): it knows the old type, so it gets PostgreSQL's error (as it
     * would from its own server-side statement) and prepares again, under pgwarden's new name for the definition.
     */
    private void refuseStaleResultType(ByteBuf frame, ErrorResponse postgresError) {
        frame.release();
        skippingToSync = true; // as PostgreSQL after an error: the Execute behind it must not run
        pending.add(Kind.ERROR_ANSWERED, postgresError);
        answerReadyRequests();
    }

    private void onParse(ByteBuf frame) {
        Parse parse = Parse.decode(frame);
        ByteBuf definition = parse.definition();
        int textEnd = definition.indexOf(definition.readerIndex(), definition.writerIndex(), (byte) 0);
        int effect = PinScanner.scan(definition, definition.readerIndex(), textEnd < 0 ? definition.writerIndex() : textEnd, carried);
        boolean changesIdentity = PinScanner.changesIdentity(effect);
        if (!pinning && TransactionModeLimits.isListen(definition, definition.readerIndex(), definition.writerIndex())) {
            definition = refusalDefinition(TransactionModeLimits.LISTEN_REFUSAL);
        } else if (!pinFor(effect)) {
            definition = refusalDefinition(maxPinnedRefusal(PinScanner.pins(effect)));
            effect = 0;
        }
        if (parse.statement().isEmpty()) {
            extendedUnpins |= unpinsFor(effect);
            extendedTransactionControl |= PinScanner.controlsTransactions(effect);
            noteSearchPath(effect);
            if (changesIdentity) {
                server.sessionState().identityMayHaveChanged();
            }
            if (definition != parse.definition()) {
                send(Parse.encode(server.channel().alloc(), "", definition), Kind.PARSE, null);
                frame.release();
            } else {
                send(frame, Kind.PARSE, null);
            }
            return;
        }
        Statement existing = statements.get(parse.statement());
        if (existing != null) {
            // PostgreSQL refuses to redefine a live name (42P05): let the server say it, about a statement it has
            ensurePrepared(existing);
            send(Parse.encode(server.channel().alloc(), existing.serverName(), "SELECT 1"), Kind.PARSE, new Redefinition(existing));
            frame.release();
            return;
        }
        Statement statement = new Statement(parse.statement(), names.nameFor(definition, statementScope()),
                ByteBufUtil.getBytes(definition), effect);
        statements.put(statement);
        frame.release();
        if (server.sessionState().statements().contains(statement.serverName())) {
            pending.add(Kind.PARSE_ANSWERED, statement);
            answerReadyRequests();
        } else {
            prepare(statement, Kind.PARSE);
        }
    }

    /**
     * Where the names in this client's statements resolve, for sharing them ({@link StatementNames#nameFor(ByteBuf, String)}):
     * its search_path; a scope of its own while a SET pgwarden does not carry pins it, as that SET may be of
     * search_path (not reported by the server before PostgreSQL 18).
     */
    private String statementScope() {
        if (searchPathUnknown || searchPathQuestions > 0) {
            return ownScope; // until the server has said what search_path is now
        }
        return pinning && (lease.pinReasons() & io.pgwarden.pool.PinReason.SETTING.bit()) != 0 ? ownScope : settings.searchPath();
    }

    private static ByteBuf refusalDefinition(String statement) {
        ByteBuf refusal = Unpooled.buffer();
        refusal.writeBytes(statement.getBytes(StandardCharsets.UTF_8)).writeByte(0).writeShort(0);
        return refusal;
    }

    // ---- pinning -----------------------------------------------------------------------------------

    /**
     * The statement's pins are taken before it runs (when unsure, stay pinned: one that fails keeps
     * them). False when it would pin this client past max_pinned: it must not run.
     */
    private boolean pinFor(int effect) {
        int pins = PinScanner.pins(effect);
        return !pinning || pins == 0 || lease.pin(pins, false);
    }

    /** The reasons a statement ends that this client has: they go once it has succeeded outside a transaction block. */
    private int unpinsFor(int effect) {
        return pinning && !PinScanner.controlsTransactions(effect) ? PinScanner.unpins(effect) & lease.pinReasons() : 0;
    }

    private String maxPinnedRefusal(int pins) {
        return TransactionModeLimits.maxPinnedRefusal(server.database().name(), server.database().pool().maxPinnedClients(), pins);
    }

    private ErrorResponse maxPinnedError(int pins) {
        String database = server.database().name();
        Map<Character, String> fields = new java.util.LinkedHashMap<>();
        fields.put('S', "ERROR");
        fields.put('V', "ERROR");
        fields.put('C', SqlState.CONFIGURATION_LIMIT_EXCEEDED);
        fields.put(ErrorResponse.MESSAGE, "too many clients pinned to their server connections: database \"" + database
                + "\" allows " + server.database().pool().maxPinnedClients() + " (max_pinned)");
        fields.put('D', "The statement creates session state (" + io.pgwarden.pool.PinReason.labels(pins)
                + ") that would keep this client on one server connection between transactions.");
        return new ErrorResponse(fields);
    }

    private void onDescribeOrClose(ByteBuf frame) {
        Describe message = Describe.decode(frame);
        boolean describe = message.type() == FrontendMessages.DESCRIBE;
        if (!message.isStatement() || message.name().isEmpty()) {
            send(frame, describe ? (message.isStatement() ? Kind.DESCRIBE_STATEMENT : Kind.DESCRIBE_PORTAL) : Kind.CLOSE, null);
            return;
        }
        frame.release();
        Statement statement = statements.get(message.name());
        if (describe) {
            if (statement == null) {
                statement = Statement.unknown(message.name());
            } else {
                ensurePrepared(statement);
            }
            send(message.renamed(statement.serverName()).encode(server.channel().alloc()), Kind.DESCRIBE_STATEMENT, statement);
        } else {
            // the client's name goes; pgwarden's statement stays prepared for others
            if (statement != null) {
                statements.remove(statement);
            }
            pending.add(Kind.CLOSE_ANSWERED, statement);
            answerReadyRequests();
        }
    }

    private void onQuery(ByteBuf frame) {
        int from = frame.readerIndex() + Frames.HEADER_LENGTH;
        int to = frame.writerIndex() > from && frame.getByte(frame.writerIndex() - 1) == 0 ? frame.writerIndex() - 1 : frame.writerIndex();
        int effect = PinScanner.scan(frame, from, to, carried);
        Unpin unpin = null;
        if (!pinning && TransactionModeLimits.queryIsListen(frame)) {
            frame.release();
            frame = FrontendMessages.query(server.channel().alloc(), TransactionModeLimits.LISTEN_REFUSAL);
        } else if (!pinFor(effect)) {
            frame.release();
            frame = FrontendMessages.query(server.channel().alloc(), maxPinnedRefusal(PinScanner.pins(effect)));
        } else {
            if (PinScanner.changesIdentity(effect)) {
                server.sessionState().identityMayHaveChanged();
            }
            int unpins = unpinsFor(effect);
            unpin = unpins == 0 ? null : new Unpin(unpins);
            noteSearchPath(effect);
        }
        send(frame, Kind.QUERY, unpin);
    }

    private void ensurePrepared(Statement statement) {
        if (!server.sessionState().statements().contains(statement.serverName())) {
            prepare(statement, Kind.PARSE_HIDDEN);
        }
    }

    private void prepare(Statement statement, Kind kind) {
        ServerStatements prepared = server.sessionState().statements();
        List<String> evicted = prepared.add(statement.serverName());
        send(Parse.encode(server.channel().alloc(), statement.serverName(), Unpooled.wrappedBuffer(statement.definition())),
                kind, statement);
        for (String name : evicted) {
            send(Describe.closeStatement(name).encode(server.channel().alloc()), Kind.CLOSE_HIDDEN, name);
        }
    }

    private void send(ByteBuf message, Kind kind, Object payload) {
        if (timed && pending.isEmpty()) {
            busySinceNanos = System.nanoTime();
            idleInTransactionSinceNanos = 0;
            pinnedIdleSinceNanos = 0;
        }
        if (kind.extended()) {
            lastExtendedPlace = pending.tailPlace();
        }
        pending.add(kind, payload);
        write(message);
    }

    private void write(ByteBuf message) {
        lastWrittenWasCopyData = Frames.type(message) == FrontendMessages.COPY_DATA;
        if (log.isTraceEnabled()) {
            log.trace("C=> {} {}", Frames.typeName(Frames.type(message)), io.netty.buffer.ByteBufUtil.hexDump(message));
        }
        server.channel().write(message, server.channel().voidPromise());
    }

    // ---- server → client -------------------------------------------------------------------------

    @Override
    public void onServerMessage(ServerConnection from, ByteBuf frame) {
        byte type = Frames.type(frame);
        if (synchronizationLost) {
            ReferenceCountUtil.release(frame); // the client has its FATAL; the server is closing
            return;
        }
        Kind head = pending.peekKind();
        if (copyUncertain > 0 && (type == BackendMessages.COMMAND_COMPLETE || type == BackendMessages.ERROR_RESPONSE)
                && !copyReadItsWholeInput(type, frame)) {
            synchronizationLost(frame);
            return;
        }
        if (type == BackendMessages.ERROR_RESPONSE && head != null && (head.extended() || head.hidden())) {
            onRequestError(head, frame);
            return;
        }
        if (type == BackendMessages.ERROR_RESPONSE && pending.peekPayload() instanceof Unpin unpin) {
            unpin.failed = true; // a Query's error: its change (if any) is rolled back with its implicit transaction
        }
        if (head != null && head.hidden()) {
            Object question = pending.peekPayload();
            if (type == BackendMessages.DATA_ROW && question instanceof SearchPathQuestion asked) {
                asked.value = DataRow.firstValue(frame);
            }
            ReferenceCountUtil.release(frame);
            if (head.completedBy(type)) {
                completeHead();
                if (question instanceof SearchPathQuestion asked) {
                    searchPathAnswered(asked);
                }
            }
            return;
        }
        if (type == BackendMessages.PARAMETER_STATUS) {
            ParameterStatus status = ParameterStatus.decode(frame);
            settings.reported(status.name(), status.value());
            if (status.name().equals("session_authorization") || status.name().equals("is_superuser")) {
                server.sessionState().identityMayHaveChanged(); // however it was done (a function's body, say)
            }
        } else if (type == BackendMessages.COMMAND_COMPLETE) {
            onStatementsMaybeDropped(frame);
        } else if (type == BackendMessages.COPY_IN_RESPONSE) {
            onCopyIn();
        } else if (type == BackendMessages.NOTIFICATION_RESPONSE && pinning) {
            lease.pin(io.pgwarden.pool.PinReason.LISTEN.bit(), true); // the server listens for this client, however that began
        } else if (copyIn && (type == BackendMessages.COMMAND_COMPLETE || type == BackendMessages.READY_FOR_QUERY)) {
            copyIn = false; // the COPY ended on the server's side (it failed): what the client sends now counts again
        }
        outbox.write(frame);
        if (head != null && head.completedBy(type)) {
            if (type == BackendMessages.READY_FOR_QUERY && pending.peekPayload() instanceof Unpin unpin && !unpin.failed
                    && server.transactionStatus() == TransactionStatus.IDLE) {
                lease.unpin(unpin.reasons);
            }
            if ((head == Kind.QUERY || head == Kind.FUNCTION_CALL) && lastExtendedPlace >= 0
                    && lastExtendedPlace < pending.headPlace()) {
                server.extendedQueryEnded(); // PostgreSQL ran this query, ending the extended one before it
            }
            completeHead();
            if (type == BackendMessages.READY_FOR_QUERY) {
                if (log.isTraceEnabled()) {
                    log.trace("<=S ReadyForQuery({}) for client {}: {} pending, boundary {}", server.transactionStatus(), clientId,
                            pending.size(), server.atRequestBoundary());
                }
                if (timed && pending.isEmpty()) {
                    busySinceNanos = 0;
                    idleInTransactionSinceNanos = server.transactionStatus() == TransactionStatus.IDLE ? 0 : System.nanoTime();
                }
                if (pending.isEmpty()) {
                    copyEndsAhead.clear();
                    atRest();
                }
            } else if (pending.isEmpty()) {
                waitingForClient(); // answered, but no Sync: the server is the client's until it sends one
            }
        }
    }

    /** Everything the client sent is answered: the lease ends if the server is idle outside a transaction and nothing pins it. */
    private void atRest() {
        if (searchPathUnknown && server.transactionStatus() == TransactionStatus.IDLE) {
            askSearchPath(); // what it is now goes with the client to its next server; the lease may end after
        } else if (lease.endIfIdle()) {
            outbox.flush(lease); // the responses, then the news that the lease is over
        } else if (timed && lease.pinReasons() != 0 && idleInTransactionSinceNanos == 0) {
            pinnedIdleSinceNanos = System.nanoTime(); // pinned, idle outside a transaction: pinned_idle_timeout counts
        }
    }

    /** A statement forwarded sets or resets search_path, which this server does not report. */
    private void noteSearchPath(int effect) {
        if (PinScanner.changesSearchPath(effect)) {
            searchPathChanges++;
            searchPathUnknown = true;
        } else if (PinScanner.resetsSearchPath(effect)) {
            searchPathChanges++;
            searchPathUnknown = false;
            settings.searchPathReset();
        }
    }

    private void askSearchPath() {
        searchPathUnknown = false;
        searchPathQuestions++;
        if (timed) {
            busySinceNanos = System.nanoTime(); // the server holds the client until it answers: query_timeout counts
        }
        server.writeInternalQuery("SHOW search_path");
        pending.add(Kind.QUERY_HIDDEN, new SearchPathQuestion(searchPathChanges));
        server.channel().flush();
    }

    /** The server said what search_path is at the end of the client's transaction: the client carries it from now on. */
    private void searchPathAnswered(SearchPathQuestion asked) {
        searchPathQuestions--;
        if (asked.value != null && asked.asked == searchPathChanges) {
            settings.searchPathShown(asked.value, server.sessionState(), server.parameters());
        }
        if (pending.isEmpty()) {
            if (timed) {
                busySinceNanos = 0;
                idleInTransactionSinceNanos = 0;
            }
            atRest();
        }
    }

    /**
     * The server began a COPY FROM STDIN and waits for the client's data. Syncs the client sent
     * after the COPY and before its data are read by the COPY, which ignores them: they will never
     * be answered, and must not keep the server from being free afterwards.
     */
    private void onCopyIn() {
        long copyRequest = pending.headPlace();
        while (!copyEndsAhead.isEmpty() && copyEndsAhead.peek() <= copyRequest) {
            copyEndsAhead.poll(); // the end of an earlier COPY that failed or never began: PostgreSQL ignored it
        }
        Long endedAt = copyEndsAhead.poll();
        while (!copyDataAhead.isEmpty() && copyDataAhead.peek() <= copyRequest) {
            copyDataAhead.poll(); // data of an earlier COPY
        }
        Long dataFrom = copyDataAhead.peek() != null && (endedAt == null || copyDataAhead.peek() < endedAt) ? copyDataAhead.poll() : null;
        // the Syncs before the first data are read by the COPY whatever happens to it
        long regionEnd = endedAt == null ? pending.tailPlace() : endedAt;
        long sureEnd = dataFrom == null ? regionEnd : dataFrom;
        int ignored = ignoreSyncsAfterCopyRequest(sureEnd - copyRequest - 1);
        copyUncertain = (int) Math.max(0, Math.min(regionEnd - ignored, pending.tailPlace()) - copyRequest - 1);
        copyIn = endedAt == null;
        if (copyIn) {
            waitingForClient();
        }
    }

    /** Removes up to {@code max} Syncs right after the COPY's request: the COPY read them, PostgreSQL answers none. */
    private int ignoreSyncsAfterCopyRequest(long max) {
        long copyRequest = pending.headPlace();
        int ignored = pending.removeFollowing(Kind.SYNC, (int) Math.min(Integer.MAX_VALUE, Math.max(0, max)));
        for (int i = 0; i < ignored; i++) {
            server.readyForQuerySkipped();
        }
        if (lastExtendedPlace > copyRequest) {
            lastExtendedPlace -= ignored;
        }
        if (ignored > 0) {
            shiftDown(copyEndsAhead, ignored); // the places after the removed Syncs moved down with them
            shiftDown(copyDataAhead, ignored);
        }
        return ignored;
    }

    private static void shiftDown(java.util.ArrayDeque<Long> places, int by) {
        if (!places.isEmpty()) {
            java.util.ArrayDeque<Long> shifted = new java.util.ArrayDeque<>(places.size());
            places.forEach(place -> shifted.add(place - by));
            places.clear();
            places.addAll(shifted);
        }
    }

    /**
     * The COPY with requests inside its data ended. Done, or failed by the client's own CopyFail: it
     * read everything up to its end, so those requests were Syncs it ignored. Failed on a message that
     * has no place in a COPY (08P01): PostgreSQL ends the connection itself, FATAL after the ERROR.
     * Returns false when it failed another way (a bad line, a cancel): then nobody can tell which of
     * the requests it read.
     */
    private boolean copyReadItsWholeInput(byte type, ByteBuf frame) {
        if (type == BackendMessages.ERROR_RESPONSE) {
            ErrorResponse error = ErrorResponse.decode(frame);
            if (SqlState.PROTOCOL_VIOLATION.equals(error.sqlState())) {
                copyUncertain = 0;
                return true;
            }
            if (!SqlState.QUERY_CANCELED.equals(error.sqlState()) || !error.message().startsWith("COPY from stdin failed")) {
                return false;
            }
        }
        if (pending.countFollowing(Kind.SYNC) < copyUncertain) {
            return false; // a Query or a Parse in the data: PostgreSQL would have failed the COPY on it
        }
        ignoreSyncsAfterCopyRequest(copyUncertain);
        copyUncertain = 0;
        return true;
    }

    /**
     * pgwarden no longer knows which responses are still to come on this server: the client hears
     * why, and the server is closed rather than handed to anyone else with answers in flight.
     */
    private void synchronizationLost(ByteBuf frame) {
        outbox.write(frame); // the COPY's own error first, as PostgreSQL said it
        log.info("client {} of database \"{}\" pipelined requests inside COPY data and the COPY failed: closing its server",
                clientId, server.database().name());
        outbox.write(ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "terminating connection because protocol synchronization was lost: "
                + "the COPY failed, and which of the messages pipelined inside its data PostgreSQL read cannot be known").encode(client.alloc()));
        copyUncertain = 0;
        synchronizationLost = true;
        server.channel().close();
    }

    /** The server waits on the client, inside a transaction of sorts: idle_transaction_timeout counts from now. */
    private void waitingForClient() {
        if (timed) {
            busySinceNanos = 0;
            idleInTransactionSinceNanos = System.nanoTime();
        }
    }

    /**
     * An extended-protocol request failed: the client gets PostgreSQL's error (in its own names), and
     * like PostgreSQL pgwarden drops every request up to the next Sync, undoing what they would have done.
     */
    private void onRequestError(Kind head, ByteBuf frame) {
        copyIn = false;
        if (head == Kind.QUERY_HIDDEN) {
            log.warn("could not bring a server connection of database \"{}\" to a client's settings: {}",
                    server.database().name(), ErrorResponse.decode(frame));
            ReferenceCountUtil.release(frame);
            return; // its ReadyForQuery completes it
        }
        repairRecord(head, pending.peekPayload(), frame);
        outbox.write(inClientNames(frame, pending.peekPayload()));
        while (!pending.isEmpty() && pending.peekKind() != Kind.SYNC) {
            Kind skipped = pending.peekKind();
            if (skipped == Kind.QUERY || skipped == Kind.FUNCTION_CALL) {
                server.readyForQuerySkipped(); // skipped up to the Sync like the rest: no ReadyForQuery of its own
            }
            undo(skipped, pending.peekPayload());
            pending.remove();
        }
        skippingToSync = pending.isEmpty();
        if (skippingToSync) {
            extendedUnpins = 0; // the statements behind them failed or were skipped
            extendedTransactionControl = false;
        } else if (pending.peekPayload() instanceof Unpin unpin) {
            unpin.failed = true;
        }
        answerReadyRequests();
        if (skippingToSync) {
            waitingForClient();
        }
    }

    /**
     * The server refused a statement pgwarden believed prepared: the record follows the server, so
     * the client's retry (pgjdbc re-prepares on both errors by itself) prepares it afresh instead of
     * failing on this server for good.
     */
    private void repairRecord(Kind head, Object payload, ByteBuf error) {
        String sqlState = ErrorResponse.sqlState(error);
        if (!(payload instanceof Statement statement) || statement.serverName().equals(StatementNames.UNKNOWN)) {
            return;
        }
        ServerStatements prepared = server.sessionState().statements();
        if (SqlState.INVALID_SQL_STATEMENT_NAME.equals(sqlState)) {
            prepared.gone(statement.serverName()); // deallocated behind pgwarden's back
        } else if (head == Kind.BIND && SqlState.FEATURE_NOT_SUPPORTED.equals(sqlState)) {
            // cached plan must not change result type: its definition gets a new name
            names.retire(statement.serverName(), ErrorResponse.decode(error));
        }
    }

    private void undo(Kind kind, Object payload) {
        ServerStatements prepared = server.sessionState().statements();
        switch (kind) {
            case PARSE, PARSE_HIDDEN -> {
                if (payload instanceof Statement statement) {
                    prepared.remove(statement.serverName());
                    if (kind == Kind.PARSE) {
                        statements.remove(statement);
                    }
                }
            }
            case PARSE_ANSWERED -> statements.remove((Statement) payload);
            case CLOSE_HIDDEN -> prepared.restore((String) payload);
            case CLOSE_ANSWERED -> {
                if (payload != null) {
                    statements.put((Statement) payload);
                }
            }
            default -> {
            }
        }
    }

    /** An error about pgwarden's name for a statement speaks of the client's name instead. */
    private static ByteBuf inClientNames(ByteBuf frame, Object payload) {
        Statement statement = payload instanceof Redefinition r ? r.existing() : payload instanceof Statement s ? s : null;
        if (statement == null || statement.serverName().equals(statement.clientName())) {
            return frame;
        }
        ErrorResponse error = ErrorResponse.decode(frame);
        String serverName = '"' + statement.serverName() + '"';
        if (!error.message().contains(serverName)) {
            return frame;
        }
        Map<Character, String> fields = new HashMap<>(error.fields());
        fields.put(ErrorResponse.MESSAGE, error.message().replace(serverName, '"' + statement.clientName() + '"'));
        ByteBuf renamed = new ErrorResponse(new java.util.LinkedHashMap<>(orderedLike(error.fields(), fields))).encode(frame.alloc());
        frame.release();
        return renamed;
    }

    private static Map<Character, String> orderedLike(Map<Character, String> original, Map<Character, String> values) {
        Map<Character, String> ordered = new java.util.LinkedHashMap<>();
        original.keySet().forEach(k -> ordered.put(k, values.get(k)));
        return ordered;
    }

    private void completeHead() {
        pending.remove();
        answerReadyRequests();
    }

    /** Requests pgwarden answers itself go out once everything before them has been answered. */
    private void answerReadyRequests() {
        while (!pending.isEmpty() && pending.peekKind().answered()) {
            Kind kind = pending.peekKind();
            outbox.write(kind == Kind.ERROR_ANSWERED ? ((ErrorResponse) pending.peekPayload()).encode(client.alloc())
                    : BackendMessages.empty(client.alloc(), kind.answer()));
            pending.remove();
            answeredSinceFlush = true;
        }
    }

    private static final byte[] DEALLOCATE_ALL = "DEALLOCATE ALL\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DISCARD_ALL = "DISCARD ALL\0".getBytes(StandardCharsets.US_ASCII);
    /** RESET ALL, or RESET of one setting. */
    private static final byte[] RESET = "RESET\0".getBytes(StandardCharsets.US_ASCII);

    /**
     * DEALLOCATE ALL / DISCARD ALL ran, however it was sent (a named portal's Execute in a later
     * batch, a statement behind another): the session's prepared statements are gone, the client's
     * names too. Every CommandComplete is looked at; its length alone rules out nearly all of them.
     */
    private void onStatementsMaybeDropped(ByteBuf frame) {
        boolean discardAll = tagIs(frame, DISCARD_ALL);
        if (discardAll || tagIs(frame, DEALLOCATE_ALL)) {
            server.sessionState().statements().clear();
            statements.clear();
            if (pinning) {
                // neither runs inside a transaction block, nor is undone by one: done means done
                lease.unpin(discardAll ? io.pgwarden.pool.PinReason.ALL : io.pgwarden.pool.PinReason.PREPARED_STATEMENT.bit());
            }
        }
        if (discardAll) {
            server.sessionState().discarded();
        } else if (tagIs(frame, RESET)) {
            // the server is back at its session defaults (a schema's search_path among them), not at what
            // this client asked for at startup: whoever comes next (this client too) gets its settings afresh
            server.sessionState().forgetSettings();
        }
    }

    private static boolean tagIs(ByteBuf frame, byte[] tag) {
        int from = frame.readerIndex() + Frames.HEADER_LENGTH;
        if (frame.writerIndex() - from != tag.length) {
            return false;
        }
        for (int i = 0; i < tag.length; i++) {
            if (frame.getByte(from + i) != tag[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void onServerReadComplete(ServerConnection from) {
        answeredSinceFlush = false;
        outbox.serverReadComplete(from);
        if (endWhenIdle) {
            tryEnd(); // once per read batch, and only for a client that must go: nothing per message
        }
    }

    /**
     * The client must go at its next transaction boundary. An unpinned client's lease ends there
     * anyway ({@link ServerLease#endIfIdle()}); a pinned one's is ended here, now if the server is
     * idle, else after the answer that makes it so. On the server's loop.
     */
    void endWhenIdle(int grant) {
        endWhenIdle = true;
        endGrant = grant;
        tryEnd();
    }

    private void tryEnd() {
        if (pending.isEmpty() && lease.endAtBoundary(endGrant, null)) {
            endWhenIdle = false;
            outbox.flush(lease); // the answers, then the news that the lease is over: the client goes then
        }
    }

    @Override
    public void onServerWritabilityChanged(ServerConnection from) {
        outbox.serverWritabilityChanged(from);
    }

    @Override
    public void onServerClosed(ServerConnection from) {
        outbox.serverClosed(lease);
    }
}
