package io.pgwarden.frontend;

import io.netty.buffer.PooledByteBufAllocator;
import io.pgwarden.Eventually;
import io.pgwarden.RawPgClient;
import io.pgwarden.RawPgClient.Message;
import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One broken or hostile client of a transaction-mode database cannot hurt the others: malformed
 * extended-protocol messages get PostgreSQL's own answer (ERROR 08P01, then ReadyForQuery at Sync)
 * and leak nothing, and a client idle at ReadyForQuery 'I' never keeps a server, however its
 * messages were pipelined.
 */
@WithPlatform
class HostileClientIT {

    private static final String DATABASE = "orders_tx";
    private static TestPlatform platform;

    private static RawPgClient client() throws IOException {
        RawPgClient client = new RawPgClient(platform.pgwarden().port());
        client.socket().setSoTimeout(10_000);
        client.loginMd5("md5-service", "md5-pw", DATABASE);
        return client;
    }

    /** After each test: no server stays leased, and the database still answers a normal client. */
    @AfterEach
    void noServerIsLeftLeasedAndOthersStillGetIn() throws Exception {
        Eventually.await("sv_active of " + DATABASE + " back to 0", Duration.ofSeconds(10), HostileClientIT::activeServers, n -> n == 0);
        try (RawPgClient other = client()) {
            other.query("select 42");
            assertEquals("TDCZ", other.typesUntilReady(null));
        }
    }

    /** The client is idle at ReadyForQuery 'I' (or gone): it must hold no server. */
    private static void awaitNoServerHeld() throws Exception {
        Eventually.await("the idle client holding no server", Duration.ofSeconds(5), HostileClientIT::activeServers, n -> n == 0);
    }

    private static int activeServers() throws SQLException {
        try (Connection console = platform.console(); Statement st = console.createStatement()) {
            return TestPlatform.poolCount(st, DATABASE, "sv_active");
        }
    }

    /** A Parse whose query text has no NUL terminator (and no parameter count after it). */
    private static byte[] unterminatedParse(int textBytes) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(0); // the unnamed statement
        body.writeBytes("select ".repeat(textBytes / 7 + 1).substring(0, textBytes).getBytes());
        return RawPgClient.typed('P', body.toByteArray());
    }

    private static void assertProtocolErrorThenReady(RawPgClient client) throws IOException {
        Message error = client.read();
        assertEquals('E', error.type(), "an ErrorResponse first");
        assertEquals("ERROR", error.fields().get('S'));
        assertEquals("08P01", error.fields().get('C'), error.fields().toString());
        Message ready = client.read();
        assertEquals('Z', ready.type());
        assertEquals('I', (char) ready.body()[0]);
    }

    @Test
    void aMessageDeclaredLargerThanMaxMessageSizeIsRefusedBeforeAnyOfItIsHeld() throws Exception {
        long directBefore = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
        try (RawPgClient client = client()) {
            java.io.ByteArrayOutputStream header = new java.io.ByteArrayOutputStream();
            header.write('Q');
            int declared = 1000 << 20; // 1000 MiB, over the default 64 MiB
            header.writeBytes(new byte[] {(byte) (declared >>> 24), (byte) (declared >>> 16), (byte) (declared >>> 8), (byte) declared});
            client.send(header.toByteArray());
            try {
                for (int i = 0; i < 64; i++) {
                    client.send(new byte[64 * 1024]); // what a client would stream of it
                }
            } catch (java.net.SocketException closed) {
                // closed already: fine
            }
            Message error = client.read();
            assertEquals('E', error.type());
            assertEquals("FATAL", error.fields().get('S'));
            assertEquals("54000", error.fields().get('C'), error.fields().toString());
            assertTrue(error.fields().get('M').contains("limits.max_message_size"), error.fields().get('M'));
            assertTrue(client.closedByServer());
        }
        long grown = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory() - directBefore;
        assertTrue(grown < 8L * 1024 * 1024, "direct memory grew by " + grown + " bytes");
    }

    @Test
    void aLargeMessageUnderTheLimitIsForwarded() throws Exception {
        try (RawPgClient client = client()) {
            client.query("select length('" + "x".repeat(4 << 20) + "')");
            List<Message> messages = new ArrayList<>();
            assertEquals("TDCZ", client.typesUntilReady(messages));
            assertTrue(new String(messages.get(1).body()).contains("4194304"));
        }
    }

    @Test
    void aMalformedParseIsAnsweredWithProtocolViolationAndLeaksNothing() throws Exception {
        try (RawPgClient client = client()) {
            client.send(unterminatedParse(1024), RawPgClient.sync());
            assertProtocolErrorThenReady(client); // warms up the allocator's arenas
            long directBefore = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
            for (int i = 0; i < 40; i++) {
                client.send(unterminatedParse(256 * 1024), RawPgClient.sync());
                assertProtocolErrorThenReady(client);
            }
            long grown = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory() - directBefore;
            // 40 leaked messages would be 10 MiB; a chunk of allocator noise is fine
            assertTrue(grown < 5L * 1024 * 1024, "direct memory grew by " + grown + " bytes");
            client.query("select 1");
            assertEquals("TDCZ", client.typesUntilReady(null), "the connection stays usable");
        }
    }

    @Test
    void malformedParsesFromManyClientsAtOnceDoNotFreezeThePool() throws Exception {
        int clients = 8; // more than the pool's 5 servers
        ExecutorService executor = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                done.add(executor.submit(() -> {
                    try (RawPgClient client = client()) {
                        for (int i = 0; i < 20; i++) {
                            client.send(unterminatedParse(100), RawPgClient.sync());
                            assertProtocolErrorThenReady(client);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void aMalformedBindDescribeOrCloseGetsProtocolViolation() throws Exception {
        byte[][] malformed = {
                RawPgClient.typed('P', "no NUL anywhere".getBytes()),
                RawPgClient.typed('P', new byte[] {'S', '_', '1', 0, 's', 'e', 'l'}), // named, its text unterminated
                RawPgClient.typed('B', new byte[] {0, 'x', 'y'}), // statement name without its NUL
                RawPgClient.typed('B', new byte[] {'p'}), // portal name without its NUL (found by FrontendMessagesFuzzTest)
                RawPgClient.typed('D', new byte[] {'S', 'n', 'o', 'n', 'u', 'l'}),
                RawPgClient.typed('C', new byte[] {'S', 'n', 'o', 'n', 'u', 'l'}),
                RawPgClient.typed('D', new byte[] {}),
        };
        try (RawPgClient client = client()) {
            for (byte[] message : malformed) {
                client.send(message, RawPgClient.sync());
                assertProtocolErrorThenReady(client);
            }
        }
    }

    @Test
    void aMalformedMessageInsideATransactionAbortsItAsPostgresWould() throws Exception {
        try (RawPgClient client = client()) {
            client.query("begin");
            assertEquals("CZ", client.typesUntilReady(null));
            client.send(unterminatedParse(10), RawPgClient.sync());
            Message error = client.read();
            assertEquals("08P01", error.fields().get('C'));
            Message ready = client.read();
            assertEquals('E', (char) ready.body()[0], "the transaction is failed");
            client.query("rollback");
            assertEquals("CZ", client.typesUntilReady(null));
        }
    }

    @Test
    void messagesAfterAMalformedOneAreSkippedUpToSync() throws Exception {
        try (RawPgClient client = client()) {
            client.send(RawPgClient.parse("", "select 1"), unterminatedParse(10), RawPgClient.bind(""), RawPgClient.execute(),
                    RawPgClient.sync());
            assertEquals('1', client.read().type(), "the Parse before it completes");
            assertProtocolErrorThenReady(client);
        }
    }

    @Test
    void aPipelinedErrorDoesNotPinTheServerToAnIdleClient() throws Exception {
        try (RawPgClient client = client()) {
            client.send(RawPgClient.parse("", "selec bad"), RawPgClient.typed('Q', RawPgClient.cString("select 1")),
                    RawPgClient.sync());
            List<Message> messages = new ArrayList<>();
            String types = client.typesUntilReady(messages);
            assertEquals("EZ", types, "PostgreSQL skips the Query up to the Sync");
            assertEquals("42601", messages.get(0).fields().get('C'));
            awaitNoServerHeld();
        }
    }

    /**
     * Found by the soak: PostgreSQL 17.2 dies of SIGSEGV, and restarts with every database on the
     * instance, on an Execute of the unnamed portal that a failed COPY left behind in an aborted
     * transaction, once another simple Query has come in between. By the protocol that Query
     * destroyed the unnamed portal, so PostgreSQL must answer 34000 and stay up, in both modes.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"orders", DATABASE})
    void anExecuteOfTheUnnamedPortalAfterAFailedCopyCannotCrashPostgres(String database) throws Exception {
        String startedBefore = postmasterStart();
        try (RawPgClient client = new RawPgClient(platform.pgwarden().port())) {
            client.socket().setSoTimeout(10_000);
            client.loginMd5("md5-service", "md5-pw", database);
            client.query("create table if not exists hostile_copy_target (v int)");
            client.typesUntilReady(null);
            client.send(RawPgClient.typed('Q', RawPgClient.cString("begin")),
                    RawPgClient.typed('Q', RawPgClient.cString("copy hostile_copy_target from stdin")),
                    RawPgClient.typed('f', RawPgClient.cString("abandoned")),
                    RawPgClient.typed('Q', RawPgClient.cString("select 1/0")),
                    RawPgClient.execute(), RawPgClient.sync());
            assertEquals("CZ", client.typesUntilReady(null));
            assertEquals('G', client.read().type());
            assertEquals("EZ", client.typesUntilReady(null), "the COPY fails");
            assertEquals("EZ", client.typesUntilReady(null), "the next query is refused in the failed transaction");
            List<Message> messages = new ArrayList<>();
            assertEquals("EZ", client.typesUntilReady(messages), "the Execute");
            assertEquals("34000", messages.get(0).fields().get('C'), messages.get(0).fields().toString());
            assertEquals('E', (char) messages.get(1).body()[0], "the transaction stays failed, as PostgreSQL leaves it");
            client.query("rollback");
            assertEquals("CZ", client.typesUntilReady(null));
        }
        assertEquals(startedBefore, postmasterStart(), "PostgreSQL did not restart");
    }

    private static String postmasterStart() throws SQLException {
        try (Connection c = platform.connect("orders-service", "orders"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select pg_postmaster_start_time()::text")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /* Found by the soak (sequence 201753583000008249): a Close of kind 0, and Binds of statements never parsed. */
    @Test
    void aCloseOfNoKindAndBindsOfUnknownStatementsGetPostgresAnswers() throws Exception {
        try (RawPgClient client = client()) {
            byte[] bindBody = java.util.Arrays.copyOfRange(RawPgClient.bind("fz1"), 5, RawPgClient.bind("fz1").length);
            client.send(RawPgClient.sync(), RawPgClient.typed('C', bindBody), RawPgClient.typed('d', "660\n".getBytes()),
                    RawPgClient.bind("fz2"), RawPgClient.sync(), RawPgClient.bind("fz2"),
                    RawPgClient.typed('Q', RawPgClient.cString("SELEC broken")), RawPgClient.typed('f', RawPgClient.cString("x")),
                    RawPgClient.sync(), RawPgClient.typed('Q', RawPgClient.cString("rollback")),
                    RawPgClient.typed('Q', RawPgClient.cString("select 'settled'")));
            assertEquals("Z", client.typesUntilReady(null));
            List<Message> messages = new ArrayList<>();
            assertEquals("EZ", client.typesUntilReady(messages), "the Close: 08P01, then skipped to the Sync");
            assertEquals("08P01", messages.get(0).fields().get('C'), messages.get(0).fields().toString());
            messages.clear();
            assertEquals("EZ", client.typesUntilReady(messages), "the Bind of a statement never parsed");
            assertEquals("26000", messages.get(0).fields().get('C'), messages.get(0).fields().toString());
            assertEquals("NCZ", client.typesUntilReady(null));
            assertEquals("TDCZ", client.typesUntilReady(null));
        }
    }

    /*
     * Found by the soak (sequence 201753583001028532): a Sync pipelined inside COPY data, sent before
     * the CopyInResponse came back. PostgreSQL reads it as part of the COPY, unless the COPY fails
     * first on a bad line: then it answers it. Before, pgwarden always counted it as read, ended the
     * lease early and the client's last query was never answered.
     */
    @Test
    void aCopyThatFailsOnItsDataWithRequestsPipelinedInsideItEndsTheClientCleanly() throws Exception {
        try (RawPgClient client = client()) {
            client.query("create table if not exists hostile_copy_fails (v int)");
            client.typesUntilReady(null);
            client.send(RawPgClient.typed('Q', RawPgClient.cString("copy hostile_copy_fails from stdin")),
                    RawPgClient.typed('d', "not a number\n".getBytes()), RawPgClient.sync(),
                    RawPgClient.typed('Q', RawPgClient.cString("")), RawPgClient.typed('f', RawPgClient.cString("x")),
                    RawPgClient.sync(), RawPgClient.typed('Q', RawPgClient.cString("select 'settled'")));
            assertEquals('G', client.read().type());
            Message copyError = client.read();
            assertEquals("22P02", copyError.fields().get('C'), copyError.fields().toString());
            Message fatal = client.read();
            assertEquals("FATAL", fatal.fields().get('S'), fatal.fields().toString());
            assertEquals("08P01", fatal.fields().get('C'));
            assertTrue(fatal.fields().get('M').contains("protocol synchronization was lost"), fatal.fields().get('M'));
            assertEquals(-1, client.readByte(), "nothing after the FATAL but the close");
        }
    }

    /* The same pipeline when the COPY succeeds, or fails on the client's CopyFail: the COPY read the Sync. */
    @Test
    void aSyncPipelinedInsideCopyDataIsReadByACopyThatEndsAsSent() throws Exception {
        try (RawPgClient client = client()) {
            client.query("create table if not exists hostile_copy_ends (v int)");
            client.typesUntilReady(null);
            client.send(RawPgClient.typed('Q', RawPgClient.cString("copy hostile_copy_ends from stdin")),
                    RawPgClient.typed('d', "1\n".getBytes()), RawPgClient.sync(), RawPgClient.typed('d', "2\n".getBytes()),
                    RawPgClient.typed('c', new byte[0]), RawPgClient.typed('Q', RawPgClient.cString("select 'done'")));
            assertEquals('G', client.read().type());
            assertEquals("CZ", client.typesUntilReady(null));
            assertEquals("TDCZ", client.typesUntilReady(null), "the Sync was read by the COPY: no ReadyForQuery of its own");
            client.send(RawPgClient.typed('Q', RawPgClient.cString("copy hostile_copy_ends from stdin")),
                    RawPgClient.typed('d', "3\n".getBytes()), RawPgClient.sync(), RawPgClient.typed('f', RawPgClient.cString("given up")),
                    RawPgClient.typed('Q', RawPgClient.cString("select count(*) from hostile_copy_ends")));
            assertEquals('G', client.read().type());
            List<Message> messages = new ArrayList<>();
            assertEquals("EZ", client.typesUntilReady(messages));
            assertEquals("57014", messages.get(0).fields().get('C'));
            messages.clear();
            assertEquals("TDCZ", client.typesUntilReady(messages));
            awaitNoServerHeld();
        }
    }

    /*
     * Found by the soak: well-behaved pgbench clients aborted, "the backend died". A message of no
     * known type after a query: PostgreSQL ends the connection on it once the query is answered, by
     * then on a server pgwarden had handed to the next client. pgwarden refuses it itself.
     */
    @Test
    void aMessageOfUnknownTypeEndsItsClientAndNeverReachesASharedServer() throws Exception {
        try (RawPgClient client = client()) {
            client.send(RawPgClient.typed('Q', RawPgClient.cString("select pg_sleep(0.1)")), RawPgClient.typed('y', new byte[3]));
            Message fatal = client.readUntil('E');
            assertEquals("FATAL", fatal.fields().get('S'), fatal.fields().toString());
            assertEquals("08P01", fatal.fields().get('C'));
            assertEquals("invalid frontend message type 121", fatal.fields().get('M'), "PostgreSQL's words");
            assertTrue(client.closedByServer());
        }
        try (RawPgClient next = client()) {
            next.query("select 2");
            assertEquals("TDCZ", next.typesUntilReady(null));
        }
    }

    @Test
    void aSyncSentDuringCopyFromStdinDoesNotPinTheServer() throws Exception {
        try (RawPgClient client = client()) {
            client.query("create table if not exists hostile_copied (v int)");
            client.typesUntilReady(null);
            client.query("copy hostile_copied from stdin");
            assertEquals('G', client.read().type());
            client.send(RawPgClient.typed('d', "1\n".getBytes()), RawPgClient.sync(), RawPgClient.typed('d', "2\n".getBytes()),
                    RawPgClient.typed('c', new byte[0]));
            List<Message> messages = new ArrayList<>();
            assertEquals("CZ", client.typesUntilReady(messages), "PostgreSQL ignores a Sync during COPY");
            assertEquals("COPY 2", new String(messages.get(0).body(), 0, 6));
            awaitNoServerHeld();
        }
    }

    @Test
    void aCopyPipelinedWithItsSyncAsLibpqSendsItFreesTheServerAfterwards() throws Exception {
        try (RawPgClient client = client()) {
            client.query("create table if not exists hostile_piped (v int)");
            client.typesUntilReady(null);
            // libpq's PQsendQueryParams: the Sync goes out before the client knows the statement is a COPY
            client.send(RawPgClient.parse("", "copy hostile_piped from stdin"), RawPgClient.bind(""), RawPgClient.execute(),
                    RawPgClient.sync());
            assertEquals('1', client.read().type());
            assertEquals('2', client.read().type());
            assertEquals('G', client.read().type());
            client.send(RawPgClient.typed('d', "7\n".getBytes()), RawPgClient.typed('c', new byte[0]), RawPgClient.sync());
            List<Message> messages = new ArrayList<>();
            assertEquals("CZ", client.typesUntilReady(messages));
            awaitNoServerHeld();
            client.query("select 1");
            assertEquals("TDCZ", client.typesUntilReady(null), "nothing stray arrives afterwards");
        }
    }

    /* Found by ProtocolFuzzIT: several COPYs pipelined whole, each with a Sync inside and one after. */
    @Test
    void copiesPipelinedWholeOneAfterAnotherAreEachAnsweredAndTheServerFreed() throws Exception {
        try (RawPgClient client = client()) {
            client.query("create table if not exists hostile_piped2 (v int)");
            client.typesUntilReady(null);
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            for (int copy = 0; copy < 3; copy++) {
                for (byte[] m : new byte[][] {RawPgClient.parse("", "copy hostile_piped2 from stdin"), RawPgClient.bind(""),
                        RawPgClient.execute(), RawPgClient.typed('d', "7\n".getBytes()), RawPgClient.sync(),
                        RawPgClient.typed('d', "8\n".getBytes()), RawPgClient.typed('c', new byte[0]), RawPgClient.sync()}) {
                    all.writeBytes(m);
                }
            }
            all.writeBytes(RawPgClient.typed('Q', RawPgClient.cString("select count(*) from hostile_piped2")));
            client.send(all.toByteArray());
            for (int copy = 0; copy < 3; copy++) {
                assertEquals("12GCZ", client.typesUntilReady(null), "COPY " + copy);
            }
            List<Message> messages = new ArrayList<>();
            assertEquals("TDCZ", client.typesUntilReady(messages));
            awaitNoServerHeld();
        }
    }

    /* Found by ProtocolFuzzIT: PostgreSQL refuses a Flush with a body, then skips to Sync. */
    @Test
    void aFlushWithABodyIsRefusedAsPostgresRefusesItAndTheServerIsFreed() throws Exception {
        try (RawPgClient client = client()) {
            client.send(RawPgClient.typed('H', new byte[] {1, 2, 3, 4, 5}), RawPgClient.typed('Q', RawPgClient.cString("select 1")),
                    RawPgClient.sync());
            List<Message> messages = new ArrayList<>();
            assertEquals("EZ", client.typesUntilReady(messages), "the Query is skipped up to the Sync");
            assertEquals("08P01", messages.get(0).fields().get('C'));
            awaitNoServerHeld();
        }
    }

    /*
     * Found by ProtocolFuzzIT: a Query that PostgreSQL skips (an extended-protocol error before it,
     * no Sync yet) does not end the extended query. A client that leaves then must not leave its
     * server in the pool, skipping to a Sync that never comes (its reset would wait for ever).
     */
    @Test
    void aClientLeavingWhilePostgresSkipsToSyncDoesNotLeaveAStuckServerInThePool() throws Exception {
        try (RawPgClient client = client()) {
            client.send(RawPgClient.parse("", "select 1/0"), RawPgClient.bind(""), RawPgClient.execute(),
                    RawPgClient.typed('Q', RawPgClient.cString("select 'skipped'")));
            Message error = client.readUntil('E');
            assertEquals("22012", error.fields().get('C'));
            client.send(new byte[] {'B', 0, 0, 0, 0}); // a length under 4: pgwarden's FATAL and the client's end
            assertEquals("FATAL", client.readUntil('E').fields().get('S'));
            assertTrue(client.closedByServer());
        }
        Eventually.await("no orders_db backend left waiting for a Sync", Duration.ofSeconds(5), () -> {
            try (Connection admin = platform.admin(); Statement st = admin.createStatement();
                 ResultSet rs = st.executeQuery("select count(*) from pg_stat_activity where datname = 'orders_db'"
                         + " and backend_type = 'client backend' and state <> 'idle' and pid <> pg_backend_pid()")) {
                rs.next();
                return rs.getInt(1);
            }
        }, n -> n == 0);
    }

    /*
     * A Parse sent into a COPY FROM STDIN: PostgreSQL 17 fails the COPY on it and, having lost its
     * place in the message stream, ends the connection (FATAL 08P01). The client hears both, its
     * server is gone, and no other client is left believing that Parse prepared anywhere.
     */
    @Test
    void aParseSentIntoACopyEndsThatServerAndLeavesTheOthersWhole() throws Exception {
        String sql = "select 'consumed by a copy'::text";
        try (RawPgClient hostile = client()) {
            hostile.query("create table if not exists hostile_swallowed (v int)");
            hostile.typesUntilReady(null);
            hostile.send(RawPgClient.typed('Q', RawPgClient.cString("copy hostile_swallowed from stdin")), RawPgClient.parse("named", sql),
                    RawPgClient.sync());
            assertEquals('G', hostile.read().type());
            Message copyFailed = hostile.readUntil('E');
            assertEquals("08P01", copyFailed.fields().get('C'), copyFailed.fields().toString());
            Message fatal = hostile.readUntil('E');
            assertEquals("FATAL", fatal.fields().get('S'), fatal.fields().toString());
            assertTrue(hostile.closedByServer());
        }
        awaitNoServerHeld();
        List<RawPgClient> others = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) { // every server of the pool, in turn
                RawPgClient other = client();
                others.add(other);
                other.query("begin");
                other.typesUntilReady(null);
                other.send(RawPgClient.parse("mine", sql), RawPgClient.bind("mine"), RawPgClient.execute(), RawPgClient.sync());
                assertEquals("12DCZ", other.typesUntilReady(null), "server " + i);
            }
        } finally {
            for (RawPgClient other : others) {
                other.close();
            }
        }
    }

    /* Found by ProtocolFuzzIT: a simple query after an unsynced Execute ends both, as its ReadyForQuery says. */
    @Test
    void aQueryAfterAnExecuteWithoutSyncFreesTheServerAtItsReadyForQuery() throws Exception {
        try (RawPgClient client = client()) {
            client.send(RawPgClient.parse("", "select 5"), RawPgClient.bind(""), RawPgClient.execute(),
                    RawPgClient.typed('Q', RawPgClient.cString("select 6")));
            assertEquals("12DCTDCZ", client.typesUntilReady(null));
            awaitNoServerHeld();
        }
    }

    /* Found by ProtocolFuzzIT (seeds 63-66): a CopyFail after the COPY ended must not move where it ended. */
    @Test
    void aCopyFailAfterTheCopyEndedDoesNotCostTheClientItsNextAnswer() throws Exception {
        try (RawPgClient client = client()) {
            client.query("create table if not exists hostile_ended (v int)");
            client.typesUntilReady(null);
            client.send(RawPgClient.parse("", "copy hostile_ended from stdin"), RawPgClient.bind(""), RawPgClient.execute(),
                    RawPgClient.typed('c', new byte[0]), RawPgClient.sync(), RawPgClient.typed('f', RawPgClient.cString("late")),
                    RawPgClient.sync(), RawPgClient.typed('Q', RawPgClient.cString("select 1")));
            assertEquals("12GCZ", client.typesUntilReady(null));
            assertEquals("Z", client.typesUntilReady(null), "the CopyFail outside COPY is ignored, its Sync answered");
            assertEquals("TDCZ", client.typesUntilReady(null), "the query after it is answered");
        }
    }

    @Test
    void noClientCanLeaveAnotherClientADifferentCurrentUser() throws Exception {
        String[] changes = {
                "SET ROLE pg_database_owner",
                "set session role pg_database_owner",
                "select set_config('role', 'pg_database_owner', false)",
                "select 1; /* then */ SET ROLE pg_database_owner",
        };
        for (String change : changes) {
            try (Connection sneaky = platform.connect("md5-service", "md5-pw", DATABASE, new java.util.Properties());
                 Statement st = sneaky.createStatement()) {
                sneaky.setAutoCommit(false); // one transaction, one server: the check sees the change
                st.execute(change);
                try (ResultSet rs = st.executeQuery("select current_user")) {
                    rs.next();
                    assertEquals("pg_database_owner", rs.getString(1), "the change took effect for: " + change);
                }
                sneaky.commit(); // a session-level change outlives the transaction on that server
            }
            // every server of the pool: none may hand the next client another current_user
            List<Connection> others = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    Connection other = platform.connect("md5-service", "md5-pw", DATABASE, new java.util.Properties());
                    others.add(other);
                    other.setAutoCommit(false); // holds its server while the others take theirs
                    try (Statement st = other.createStatement(); ResultSet rs = st.executeQuery("select current_user")) {
                        rs.next();
                        assertEquals("orders_owner", rs.getString(1), "after: " + change);
                    }
                }
            } finally {
                for (Connection other : others) {
                    other.close();
                }
            }
        }
    }

    @Test
    void aRoleChangedWithTheExtendedProtocolIsResetToo() throws Exception {
        java.util.Properties prepared = new java.util.Properties();
        prepared.setProperty("prepareThreshold", "1");
        try (Connection sneaky = platform.connect("md5-service", "md5-pw", DATABASE, prepared)) {
            for (int i = 0; i < 3; i++) {
                try (java.sql.PreparedStatement ps = sneaky.prepareStatement("select set_config('role', ?, false)")) {
                    ps.setString(1, "pg_database_owner");
                    ps.execute();
                }
            }
        }
        List<Connection> others = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                Connection other = platform.connect("md5-service", "md5-pw", DATABASE, new java.util.Properties());
                others.add(other);
                other.setAutoCommit(false);
                try (Statement st = other.createStatement(); ResultSet rs = st.executeQuery("select current_user")) {
                    rs.next();
                    assertEquals("orders_owner", rs.getString(1));
                }
            }
        } finally {
            for (Connection other : others) {
                other.close();
            }
        }
    }
}
