package io.pgwarden.frontend;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Seeded random conversations a logged-in client has with pgwarden: valid frontend messages,
 * messages broken inside a correct frame (cut bodies, missing NULs, inner counts and lengths that
 * lie, unknown types), scenarios that reach the corners (COPY FROM STDIN with a Sync in it, errors
 * in a pipeline, Execute without Sync) and a few frames that break the framing itself. The same
 * seed gives the same bytes, so a failure is replayed from its seed alone.
 *
 * <p>Needs a table {@code fuzz_copy (n int)} for its COPY FROM STDIN.
 */
public final class FrontendFuzz {

    /** One message as sent, described for the failure report. */
    public record Sent(String description, byte[] bytes) {
    }

    /** How a sequence ends, and so what the client must see. */
    public enum Ending {
        /**
         * Settling messages follow (CopyFail, Sync, ROLLBACK, sometimes an Execute without Sync, then a
         * marker query): the client must read the marker's row and ReadyForQuery 'I', or a FATAL and a close.
         */
        SETTLE,
        /** The last frame's length is under 4 or over PostgreSQL's 1 GiB: a FATAL and a close are due. */
        FATAL,
        /** The client hangs up right after sending: mid-transaction, mid-COPY, mid-pipeline, mid-frame. */
        HANG_UP
    }

    public record Sequence(long seed, List<Sent> messages, Ending ending, String marker) {

        public byte[] bytes() {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            messages.forEach(m -> all.writeBytes(m.bytes()));
            return all.toByteArray();
        }

        /** The seed, the ending and every message, one a line. */
        public String describe() {
            StringBuilder text = new StringBuilder("sequence seed ").append(seed).append(", ending ").append(ending).append(':');
            messages.forEach(m -> text.append("\n    ").append(m.description()));
            return text.toString();
        }
    }

    /** int4pl(int4, int4): a function PostgreSQL has under a fixed OID, for FunctionCall. */
    private static final int INT4PL_OID = 177;
    private static final String[] STATEMENT_NAMES = {"", "fz1", "fz2"};
    private static final String[] PORTAL_NAMES = {"", "fp1"};
    private static final String[] SQL = {
        "SELECT 1",
        "SELECT $1::int + 1",
        "SELECT generate_series(1, 5)",
        "SELECT 1/0",
        "SELEC broken",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "COPY fuzz_copy FROM STDIN",
        "COPY (SELECT generate_series(1, 3)) TO STDOUT",
        "SELECT pg_sleep(0.01)",
        "",
        "SELECT 1; SELECT 2",
        "LISTEN fuzz_channel",
        "DEALLOCATE ALL",
        "SET application_name = 'fuzz'",
        // search_path before PostgreSQL 18: pgwarden asks for it after the transaction, a hidden SHOW among the requests
        "SET search_path = pg_catalog, public",
        "RESET search_path",
        "DISCARD ALL",
    };
    /** Message types PostgreSQL does not know: it answers them with FATAL 08P01 (outside skip-to-Sync). */
    private static final char[] UNKNOWN_TYPES = {'z', '!', 'y', (char) 0xff};

    private FrontendFuzz() {
    }

    /**
     * What a run can leave out, to look past a bug already known. Left out, the same seed still draws
     * the same sequence, with those messages whole or with a Sync after the Execute.
     */
    public enum Feature {
        /** One message in five broken inside its frame. */
        BROKEN_MESSAGES,
        /** A simple query right after an Execute no Sync followed. */
        EXECUTE_WITHOUT_SYNC,
        /** A Sync in the middle of the COPY FROM STDIN scenarios (a Flush instead). */
        SYNC_DURING_COPY
    }

    public static Sequence generate(long seed) {
        return generate(seed, EnumSet.noneOf(Feature.class));
    }

    public static Sequence generate(long seed, Set<Feature> without) {
        Random random = new Random(seed);
        boolean breakMessages = !without.contains(Feature.BROKEN_MESSAGES);
        List<Sent> messages = new ArrayList<>();
        int chunks = 1 + random.nextInt(4);
        for (int c = 0; c < chunks; c++) {
            if (random.nextInt(3) == 0) {
                scenario(random, messages, without);
            } else {
                int count = 1 + random.nextInt(4);
                for (int i = 0; i < count; i++) {
                    Sent message = anyMessage(random);
                    boolean toBreak = random.nextInt(5) == 0;
                    messages.add(toBreak && breakMessages ? broken(random, message) : message);
                }
            }
        }
        int ending = random.nextInt(100);
        String marker = "fuzz-settled-" + Long.toUnsignedString(seed, 36);
        if (ending < 8) {
            messages.add(framingBreak(random));
            return new Sequence(seed, List.copyOf(messages), Ending.FATAL, marker);
        }
        if (ending < 20) {
            if (random.nextBoolean()) {
                messages.add(claimsMoreThanSent(random));
            }
            return new Sequence(seed, List.copyOf(messages), Ending.HANG_UP, marker);
        }
        settle(random, messages, marker, without);
        return new Sequence(seed, List.copyOf(messages), Ending.SETTLE, marker);
    }

    // ---- the messages ----------------------------------------------------------------------------

    private static Sent anyMessage(Random random) {
        return switch (random.nextInt(14)) {
            case 0, 1 -> parse(pick(random, STATEMENT_NAMES), pick(random, SQL), random.nextInt(4) == 0);
            case 2, 3 -> bind(pick(random, PORTAL_NAMES), pick(random, STATEMENT_NAMES), random.nextInt(3) == 0);
            case 4 -> describe(random.nextBoolean() ? 'S' : 'P', random.nextBoolean() ? pick(random, STATEMENT_NAMES) : pick(random, PORTAL_NAMES));
            case 5 -> close(random.nextBoolean() ? 'S' : 'P', random.nextBoolean() ? pick(random, STATEMENT_NAMES) : pick(random, PORTAL_NAMES));
            case 6, 7 -> execute(pick(random, PORTAL_NAMES), random.nextInt(3));
            case 8 -> sync();
            case 9 -> flush();
            case 10 -> query(pick(random, SQL));
            case 11 -> copyData(random.nextInt(4) == 0 ? "not a number\n" : random.nextInt(1000) + "\n");
            case 12 -> random.nextBoolean() ? copyDone() : copyFail();
            default -> functionCall(random.nextInt(4) == 0 ? 1 : INT4PL_OID);
        };
    }

    /** A short run of messages that reaches a corner random picks seldom reach. */
    private static void scenario(Random random, List<Sent> out, Set<Feature> without) {
        Sent syncInCopy = without.contains(Feature.SYNC_DURING_COPY) ? flush() : sync();
        switch (random.nextInt(6)) {
            case 0 -> { // COPY FROM STDIN by Query, with Sync and Flush inside, ended any way or not at all
                out.add(query("COPY fuzz_copy FROM STDIN"));
                for (int i = random.nextInt(4); i > 0; i--) {
                    out.add(random.nextInt(3) == 0 ? (random.nextBoolean() ? syncInCopy : flush()) : copyData(i + "\n"));
                }
                int end = random.nextInt(3);
                if (end < 2) {
                    out.add(end == 0 ? copyDone() : copyFail());
                }
            }
            case 1 -> { // COPY FROM STDIN through the extended protocol, a Sync during the COPY
                out.add(parse("", "COPY fuzz_copy FROM STDIN", false));
                out.add(bind("", "", false));
                out.add(execute("", 0));
                out.add(copyData("7\n"));
                out.add(syncInCopy);
                out.add(copyData("8\n"));
                out.add(random.nextBoolean() ? copyDone() : copyFail());
                out.add(sync());
            }
            case 2 -> { // an error in the middle of a pipeline: the rest up to Sync is skipped
                out.add(parse("", "SELECT 1", false));
                out.add(bind("", "", false));
                out.add(execute("", 0));
                out.add(parse(pick(random, STATEMENT_NAMES), random.nextBoolean() ? "SELECT 1/0" : "SELEC broken", false));
                out.add(bind("", "", false));
                out.add(execute("", 0));
                out.add(parse("", "SELECT 2", false));
                out.add(bind("", "", false));
                out.add(execute("", 0));
                if (random.nextBoolean()) {
                    out.add(sync());
                }
            }
            case 3 -> { // a named statement's life, inside a transaction or not
                boolean inTransaction = random.nextBoolean();
                if (inTransaction) {
                    out.add(query("BEGIN"));
                }
                String name = random.nextBoolean() ? "fz1" : "fz2";
                out.add(parse(name, "SELECT $1::int + 1", true));
                out.add(describe('S', name));
                out.add(bind("fp1", name, true));
                out.add(describe('P', "fp1"));
                out.add(execute("fp1", random.nextInt(2)));
                out.add(close('S', name));
                out.add(sync());
                if (inTransaction && random.nextBoolean()) {
                    out.add(query("COMMIT"));
                }
            }
            case 4 -> { // Execute without Sync, then a simple query: PostgreSQL ends the implicit transaction
                out.add(parse("", "SELECT 3", false));
                out.add(bind("", "", false));
                out.add(execute("", 0));
                if (without.contains(Feature.EXECUTE_WITHOUT_SYNC)) {
                    out.add(sync());
                }
                out.add(query("SELECT 4"));
            }
            default -> { // a transaction that fails and stays failed
                out.add(query("BEGIN"));
                out.add(query("SELECT 1/0"));
                out.add(random.nextBoolean() ? query("SELECT 1") : sync());
            }
        }
    }

    /**
     * Brings any state back to idle: CopyFail ends a COPY FROM STDIN (and is ignored outside one),
     * Sync ends skip-to-Sync, ROLLBACK a transaction; the marker's row tells the client it has read all.
     */
    private static void settle(Random random, List<Sent> out, String marker, Set<Feature> without) {
        out.add(copyFail());
        out.add(sync());
        out.add(query("ROLLBACK"));
        if (random.nextInt(3) == 0) {
            // the last requests before idle are an Execute no Sync follows: the marker query ends them
            out.add(parse("", "SELECT 5", false));
            out.add(bind("", "", false));
            out.add(execute("", 0));
            if (without.contains(Feature.EXECUTE_WITHOUT_SYNC)) {
                out.add(sync());
            }
        }
        out.add(query("SELECT '" + marker + "'"));
    }

    static Sent parse(String name, String sql, boolean typed) {
        Wire body = new Wire().cString(name).cString(sql);
        if (typed) {
            body.int16(1).int32(23); // int4
        } else {
            body.int16(0);
        }
        return new Sent("Parse(" + quote(name) + ", " + quote(sql) + (typed ? ", [int4]" : "") + ")", body.typed('P'));
    }

    static Sent bind(String portal, String statement, boolean withParameter) {
        Wire body = new Wire().cString(portal).cString(statement).int16(0);
        if (withParameter) {
            body.int16(1).int32(2).bytes("41".getBytes(StandardCharsets.US_ASCII));
        } else {
            body.int16(0);
        }
        body.int16(0);
        return new Sent("Bind(" + quote(portal) + ", " + quote(statement) + (withParameter ? ", ['41']" : "") + ")", body.typed('B'));
    }

    static Sent describe(char kind, String name) {
        return new Sent("Describe(" + kind + ", " + quote(name) + ")", new Wire().int8(kind).cString(name).typed('D'));
    }

    static Sent close(char kind, String name) {
        return new Sent("Close(" + kind + ", " + quote(name) + ")", new Wire().int8(kind).cString(name).typed('C'));
    }

    static Sent execute(String portal, int maxRows) {
        return new Sent("Execute(" + quote(portal) + ", " + maxRows + ")", new Wire().cString(portal).int32(maxRows).typed('E'));
    }

    static Sent sync() {
        return new Sent("Sync", new Wire().typed('S'));
    }

    static Sent flush() {
        return new Sent("Flush", new Wire().typed('H'));
    }

    static Sent query(String sql) {
        return new Sent("Query(" + quote(sql) + ")", new Wire().cString(sql).typed('Q'));
    }

    static Sent copyData(String row) {
        return new Sent("CopyData(" + quote(row.strip()) + ")", new Wire().bytes(row.getBytes(StandardCharsets.UTF_8)).typed('d'));
    }

    static Sent copyDone() {
        return new Sent("CopyDone", new Wire().typed('c'));
    }

    static Sent copyFail() {
        return new Sent("CopyFail", new Wire().cString("fuzz: copy abandoned").typed('f'));
    }

    static Sent functionCall(int oid) {
        Wire body = new Wire().int32(oid).int16(0).int16(2);
        for (String arg : new String[] {"2", "3"}) {
            body.int32(arg.length()).bytes(arg.getBytes(StandardCharsets.US_ASCII));
        }
        return new Sent("FunctionCall(oid " + oid + ", '2', '3')", body.int16(0).typed('F'));
    }

    // ---- breaking them -----------------------------------------------------------------------------

    /** The message broken inside a frame whose length still tells the truth, so the stream stays framed. */
    private static Sent broken(Random random, Sent message) {
        byte type = message.bytes()[0];
        byte[] body = java.util.Arrays.copyOfRange(message.bytes(), 5, message.bytes().length);
        return switch (random.nextInt(7)) {
            case 0 -> {
                int keep = body.length == 0 ? 0 : random.nextInt(body.length);
                yield rebuilt(message, "cut to " + keep + " bytes", type, java.util.Arrays.copyOf(body, keep));
            }
            case 1 -> rebuilt(message, "without body", type, new byte[0]);
            case 2 -> {
                byte[] noNuls = body.clone();
                for (int i = 0; i < noNuls.length; i++) {
                    if (noNuls[i] == 0) {
                        noNuls[i] = 'x';
                    }
                }
                yield rebuilt(message, "NULs replaced by 'x'", type, noNuls);
            }
            case 3 -> {
                byte[] longer = java.util.Arrays.copyOf(body, body.length + 1 + random.nextInt(8));
                for (int i = body.length; i < longer.length; i++) {
                    longer[i] = (byte) random.nextInt(256);
                }
                yield rebuilt(message, "with " + (longer.length - body.length) + " bytes of trailing garbage", type, longer);
            }
            case 4 -> {
                if (body.length < 2) {
                    yield rebuilt(message, "without body", type, new byte[0]);
                }
                // an inner count or length that lies: -1, the largest int16, or anything
                byte[] lying = body.clone();
                int at = random.nextInt(body.length - 1);
                int value = switch (random.nextInt(3)) {
                    case 0 -> 0xffff;
                    case 1 -> 0x7fff;
                    default -> random.nextInt(0x10000);
                };
                lying[at] = (byte) (value >>> 8);
                lying[at + 1] = (byte) value;
                yield rebuilt(message, "bytes " + at + ".." + (at + 1) + " set to 0x" + Integer.toHexString(value), type, lying);
            }
            case 5 -> {
                char unknown = UNKNOWN_TYPES[random.nextInt(UNKNOWN_TYPES.length)];
                yield rebuilt(message, "sent as unknown type 0x" + Integer.toHexString(unknown), (byte) unknown, body);
            }
            default -> {
                // a body read as another message: Bind's as Parse, Parse's as Describe, ...
                byte[] types = {'P', 'B', 'D', 'C', 'E', 'F'};
                byte other = types[random.nextInt(types.length)];
                yield rebuilt(message, "sent as type " + (char) other, other, body);
            }
        };
    }

    private static Sent rebuilt(Sent original, String how, byte type, byte[] body) {
        return new Sent(original.description() + " " + how, new Wire().bytes(body).typed((char) type));
    }

    /** A frame header whose length no frame may have: under 4, or over PostgreSQL's 1 GiB limit. */
    private static Sent framingBreak(Random random) {
        int length = random.nextBoolean() ? random.nextInt(4) : 0x40000000 + random.nextInt(0x3fffffff);
        byte type = random.nextBoolean() ? (byte) 'Q' : (byte) 'B';
        return new Sent("frame " + (char) type + " with length " + length,
                new byte[] {type, (byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length});
    }

    /** A frame that announces more bytes than the client sends before hanging up. */
    private static Sent claimsMoreThanSent(Random random) {
        int length = 100 + random.nextInt(100_000);
        byte[] bytes = new Wire().cString("SELECT").typed('Q');
        bytes[1] = (byte) (length >>> 24);
        bytes[2] = (byte) (length >>> 16);
        bytes[3] = (byte) (length >>> 8);
        bytes[4] = (byte) length;
        return new Sent("Query(\"SELECT\") claiming length " + length, bytes);
    }

    private static String pick(Random random, String[] values) {
        return values[random.nextInt(values.length)];
    }

    private static String quote(String s) {
        return "\"" + s.replace("\n", "\\n") + "\"";
    }

    /** Builds a message body, then the whole message with its type and length. */
    private static final class Wire {
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();

        Wire cString(String s) {
            body.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            body.write(0);
            return this;
        }

        Wire int8(int value) {
            body.write(value);
            return this;
        }

        Wire int16(int value) {
            body.write(value >>> 8);
            body.write(value);
            return this;
        }

        Wire int32(int value) {
            return int16(value >>> 16).int16(value);
        }

        Wire bytes(byte[] bytes) {
            body.writeBytes(bytes);
            return this;
        }

        byte[] typed(char type) {
            byte[] content = body.toByteArray();
            return new Wire().int8(type).int32(4 + content.length).bytes(content).body.toByteArray();
        }
    }
}
