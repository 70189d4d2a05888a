package io.pgwarden.frontend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.pool.PinReason;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Reads what a query's text does to the session, for pinning: the first keywords of each of its
 * statements (CREATE TEMP, LISTEN, DECLARE ... WITH HOLD, PREPARE, SET, RESET, DISCARD, DEALLOCATE
 * ALL, CLOSE ALL, UNLISTEN *), and the advisory-lock functions anywhere in it ({@link SqlWords}'
 * scan, which also finds identity changes). Statements are split at every {@code ;}, also one inside
 * a string or a function body: that can only add a pin, never lose one. Beyond that no text is read,
 * and nothing is allocated unless a statement is a SET (to read the setting's name).
 *
 * <p>The result packs six things into an int: the {@link PinReason} bits to pin ({@link #pins}),
 * the bits whose state the statements end ({@link #unpins}), whether the role may change
 * ({@link #changesIdentity}), whether a transaction block begins or ends ({@link #controlsTransactions}),
 * and whether search_path is set ({@link #changesSearchPath}) or reset ({@link #resetsSearchPath}) where
 * the server does not report it.
 */
public final class PinScanner {

    /** Functions found anywhere in the text; the first three are {@link SqlWords#IDENTITY_CHANGES}' words. */
    /** What {@code carried} is asked for a SET ROLE, followed by the role's name as written. */
    public static final String ROLE_PREFIX = "role=";
    private static final SqlWords FUNCTIONS = new SqlWords("role", "authorization", "set_config",
            "pg_advisory_lock", "pg_try_advisory_lock", "pg_advisory_unlock_all");
    private static final int IDENTITY_WORDS = 0b111;
    private static final int LOCK_WORDS = 0b11000;
    private static final int UNLOCK_ALL_WORD = 0b100000;

    private static final int UNPIN_SHIFT = 8;
    private static final int IDENTITY = 1 << 16;
    private static final int TRANSACTION_CONTROL = 1 << 17;
    private static final int SEARCH_PATH = 1 << 18;
    private static final int SEARCH_PATH_RESET = 1 << 19;
    private static final String SEARCH_PATH_NAME = "search_path";

    private PinScanner() {
    }

    public static int pins(int effect) {
        return effect & 0xFF;
    }

    public static int unpins(int effect) {
        return (effect >>> UNPIN_SHIFT) & 0xFF;
    }

    /** The text may change the role the session acts as (SET ROLE, set_config('role', ...)...): a word scan that prefers false alarms. */
    public static boolean changesIdentity(int effect) {
        return (effect & IDENTITY) != 0;
    }

    /**
     * The text begins or ends a transaction block (BEGIN, START, COMMIT, END, ROLLBACK, ABORT): what
     * it undoes may be rolled back with it, so its unpins must not count.
     */
    public static boolean controlsTransactions(int effect) {
        return (effect & TRANSACTION_CONTROL) != 0;
    }

    /**
     * The text sets search_path (SET [SESSION] search_path) and the server does not report it (before
     * PostgreSQL 18): no pin, pgwarden asks the server for its value once the transaction is over and
     * carries that instead.
     */
    public static boolean changesSearchPath(int effect) {
        return (effect & SEARCH_PATH) != 0;
    }

    /**
     * The text resets search_path (RESET search_path, RESET ALL, DISCARD ALL) and sets none, where the
     * server does not report it: the client is back at its startup search_path, which pgwarden knows.
     */
    public static boolean resetsSearchPath(int effect) {
        return (effect & (SEARCH_PATH | SEARCH_PATH_RESET)) == SEARCH_PATH_RESET;
    }

    /**
     * What the SQL text in {@code [from, to)} (no NUL) does to the session.
     *
     * @param carried true for a setting (lower-case name) pgwarden carries to the client's next server
     *                itself: SET of it needs no pin; asked {@link #ROLE_PREFIX} and a role's name for a
     *                SET ROLE, true when every server of the database has that role anyway
     */
    public static int scan(ByteBuf text, int from, int to, Predicate<String> carried) {
        int words = FUNCTIONS.wordsIn(text, from, to);
        int pins = 0;
        int unpins = 0;
        int control = 0;
        if ((words & LOCK_WORDS) != 0) {
            pins |= PinReason.ADVISORY_LOCK.bit();
        } else if ((words & UNLOCK_ALL_WORD) != 0) {
            unpins |= PinReason.ADVISORY_LOCK.bit();
        }
        int start = from;
        while (start < to) {
            int end = text.indexOf(start, to, (byte) ';');
            if (end < 0) {
                end = to;
            }
            int effect = statement(text, start, end, carried);
            pins |= pins(effect);
            unpins |= unpins(effect);
            control |= effect & (TRANSACTION_CONTROL | SEARCH_PATH | SEARCH_PATH_RESET);
            start = end + 1;
        }
        return pins | (unpins & ~pins) << UNPIN_SHIFT | ((words & IDENTITY_WORDS) != 0 ? IDENTITY : 0) | control;
    }

    /**
     * One statement's effect, from its first keywords. The first word is measured and compared in
     * place; only a statement of interest (rare) gets a {@link Words} to read on.
     */
    private static int statement(ByteBuf text, int from, int to, Predicate<String> carried) {
        int start = skipSpaceAndComments(text, from, to);
        int end = start;
        while (end < to && isWordByte(text.getByte(end))) {
            end++;
        }
        return switch (end - start) {
            case 3 -> is(text, start, "SET") ? setStatement(new Words(text, end, to), carried)
                    : is(text, start, "END") ? TRANSACTION_CONTROL : 0;
            case 5 -> is(text, start, "RESET") ? reset(new Words(text, end, to), carried)
                    : is(text, start, "CLOSE") ? close(new Words(text, end, to))
                    : is(text, start, "BEGIN") || is(text, start, "START") || is(text, start, "ABORT") ? TRANSACTION_CONTROL : 0;
            case 6 -> is(text, start, "CREATE") ? create(new Words(text, end, to))
                    : is(text, start, "LISTEN") ? PinReason.LISTEN.bit()
                    : is(text, start, "COMMIT") ? TRANSACTION_CONTROL : 0;
            case 7 -> is(text, start, "DECLARE") ? declare(new Words(text, end, to))
                    : is(text, start, "PREPARE") ? prepare(new Words(text, end, to))
                    : is(text, start, "DISCARD") ? discard(new Words(text, end, to), carried) : 0;
            case 8 -> is(text, start, "UNLISTEN") ? unlisten(new Words(text, end, to))
                    : is(text, start, "ROLLBACK") ? TRANSACTION_CONTROL : 0;
            case 10 -> is(text, start, "DEALLOCATE") ? deallocate(new Words(text, end, to)) : 0;
            default -> 0; // SELECT, INSERT, WITH, BEGIN...: nothing more is read
        };
    }

    /** The word at {@code start} equals {@code keyword} (upper case, same length checked by the caller), ignoring case. */
    private static boolean is(ByteBuf text, int start, String keyword) {
        for (int i = 0; i < keyword.length(); i++) {
            int c = text.getByte(start + i);
            if (c >= 'a' && c <= 'z') {
                c -= 'a' - 'A';
            }
            if (c != keyword.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int skipSpaceAndComments(ByteBuf text, int i, int to) {
        while (i < to) {
            byte b = text.getByte(i);
            if (b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f') {
                i++;
            } else if (b == '-' && i + 1 < to && text.getByte(i + 1) == '-') {
                int newline = text.indexOf(i, to, (byte) '\n');
                i = newline < 0 ? to : newline + 1;
            } else if (b == '/' && i + 1 < to && text.getByte(i + 1) == '*') {
                i = endOfBlockComment(text, i + 2, to);
            } else {
                return i;
            }
        }
        return i;
    }

    private static int endOfBlockComment(ByteBuf text, int i, int to) {
        while (i + 1 < to) {
            if (text.getByte(i) == '*' && text.getByte(i + 1) == '/') {
                return i + 2;
            }
            i++;
        }
        return to;
    }

    private static boolean isWordByte(byte b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '_' || b == '$' || b < 0;
    }

    private static int create(Words words) {
        while (words.next()) {
            if (words.is("OR") || words.is("REPLACE") || words.is("GLOBAL") || words.is("LOCAL")) {
                continue;
            }
            if (!words.is("TEMP") && !words.is("TEMPORARY")) {
                return 0;
            }
            // ON COMMIT DROP: gone at the end of its transaction, nothing stays behind
            boolean afterCommit = false;
            while (words.next()) {
                if (afterCommit && words.is("DROP")) {
                    return 0;
                }
                afterCommit = words.is("COMMIT");
            }
            return PinReason.TEMP_TABLE.bit();
        }
        return 0;
    }

    private static int declare(Words words) {
        boolean afterWith = false;
        while (words.next() && !words.is("FOR")) {
            if (afterWith && words.is("HOLD")) {
                return PinReason.HOLD_CURSOR.bit();
            }
            afterWith = words.is("WITH");
        }
        return 0;
    }

    private static int prepare(Words words) {
        // PREPARE TRANSACTION is two-phase commit, not a statement of the session
        return words.next() && words.is("TRANSACTION") ? 0 : PinReason.PREPARED_STATEMENT.bit();
    }

    private static int discard(Words words, Predicate<String> carried) {
        if (!words.next()) {
            return 0;
        }
        if (words.is("ALL")) {
            return PinReason.ALL << UNPIN_SHIFT | searchPathReset(carried);
        }
        return words.is("TEMP") || words.is("TEMPORARY") ? PinReason.TEMP_TABLE.bit() << UNPIN_SHIFT : 0;
    }

    private static int deallocate(Words words) {
        if (words.next() && words.is("PREPARE")) {
            words.next();
        }
        return words.is("ALL") ? PinReason.PREPARED_STATEMENT.bit() << UNPIN_SHIFT : 0;
    }

    private static int close(Words words) {
        return words.next() && words.is("ALL") ? PinReason.HOLD_CURSOR.bit() << UNPIN_SHIFT : 0;
    }

    private static int unlisten(Words words) {
        return words.nextIsStar() ? PinReason.LISTEN.bit() << UNPIN_SHIFT : 0;
    }

    private static int reset(Words words, Predicate<String> carried) {
        if (!words.next()) {
            return 0;
        }
        if (words.is("ALL")) {
            // RESET ALL leaves the role and the authorization alone
            return PinReason.SETTING.bit() << UNPIN_SHIFT | searchPathReset(carried);
        }
        if (words.is("ROLE")) {
            return PinReason.ROLE.bit() << UNPIN_SHIFT;
        }
        if (words.is("SESSION") && words.next() && words.is("AUTHORIZATION")) {
            return PinReason.SESSION_AUTHORIZATION.bit() << UNPIN_SHIFT;
        }
        // RESET of one setting: others may still be set
        return SEARCH_PATH_NAME.equals(words.settingName()) ? searchPathReset(carried) : 0;
    }

    /** search_path is set: pgwarden must learn its value unless the server reports it. */
    private static int searchPathChange(Predicate<String> carried) {
        return carried.test(SEARCH_PATH_NAME) ? 0 : SEARCH_PATH;
    }

    /** search_path goes back to the session's default: the client's startup one, unless the server reports it. */
    private static int searchPathReset(Predicate<String> carried) {
        return carried.test(SEARCH_PATH_NAME) ? 0 : SEARCH_PATH_RESET;
    }

    /**
     * SET [SESSION] ...: a role, an authorization, or a setting; SET LOCAL, SET TRANSACTION and SET
     * CONSTRAINTS end with the transaction.
     */
    private static int setStatement(Words words, Predicate<String> carried) {
        if (!words.next()) {
            return 0;
        }
        if (words.is("LOCAL") || words.is("TRANSACTION") || words.is("CONSTRAINTS")) {
            return 0;
        }
        if (words.is("SESSION")) {
            if (!words.next()) {
                return 0;
            }
            if (words.is("AUTHORIZATION")) {
                return words.next() && words.is("DEFAULT") ? PinReason.SESSION_AUTHORIZATION.bit() << UNPIN_SHIFT
                        : PinReason.SESSION_AUTHORIZATION.bit();
            }
            if (words.is("CHARACTERISTICS")) {
                return PinReason.SETTING.bit(); // default_transaction_isolation and friends
            }
        }
        if (words.is("ROLE")) {
            if (!words.next()) {
                return PinReason.ROLE.bit();
            }
            if (words.is("NONE")) {
                return PinReason.ROLE.bit() << UNPIN_SHIFT;
            }
            // Flyway restores the role it found (SET ROLE '<login role>'): every server has that one anyway
            return carried.test(ROLE_PREFIX + words.word()) ? 0 : PinReason.ROLE.bit();
        }
        String name;
        if (words.is("TIME")) {
            name = "timezone";
        } else if (words.is("NAMES")) {
            name = "client_encoding";
        } else {
            name = words.settingName();
        }
        if (name.equals(SEARCH_PATH_NAME)) {
            return searchPathChange(carried); // carried, either way: reported, or asked for after the transaction
        }
        return carried.test(name) ? 0 : PinReason.SETTING.bit();
    }

    /** The words of one statement, read one at a time, after white space and comments. */
    private static final class Words {
        private final ByteBuf text;
        private final int to;
        private int at;
        private int start;
        private int end;

        Words(ByteBuf text, int from, int to) {
            this.text = text;
            this.to = to;
            this.at = from;
        }

        /** Moves to the next word (letters, digits, _ and $); false at the end of the statement. */
        boolean next() {
            at = skipSpaceAndComments(text, at, to);
            while (at < to && !isWordByte(text.getByte(at))) {
                at = skipSpaceAndComments(text, at + 1, to);
            }
            start = at;
            while (at < to && isWordByte(text.getByte(at))) {
                at++;
            }
            end = at;
            return end > start;
        }

        /** True when what follows the current word (after space and comments) is {@code *}. */
        boolean nextIsStar() {
            at = skipSpaceAndComments(text, at, to);
            return at < to && text.getByte(at) == '*';
        }

        int length() {
            return end - start;
        }

        /** The current word as written. */
        String word() {
            return text.toString(start, end - start, StandardCharsets.UTF_8);
        }

        /** The current word equals {@code keyword} (upper case), ignoring case. */
        boolean is(String keyword) {
            return end - start == keyword.length() && PinScanner.is(text, start, keyword);
        }

        /** The setting name that starts at the current word: dotted (app.user), quoted or not, in lower case. */
        String settingName() {
            int nameStart = start;
            int nameEnd = end;
            if (nameStart > 0 && text.getByte(nameStart - 1) == '"') {
                nameStart--;
            }
            while (nameEnd < to && (isWordByte(text.getByte(nameEnd)) || text.getByte(nameEnd) == '.' || text.getByte(nameEnd) == '"')) {
                nameEnd++;
            }
            return text.toString(nameStart, nameEnd - nameStart, StandardCharsets.UTF_8).replace("\"", "").toLowerCase(Locale.ROOT);
        }
    }
}
