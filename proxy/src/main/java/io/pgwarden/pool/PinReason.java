package io.pgwarden.pool;

import java.util.ArrayList;
import java.util.List;

/**
 * Why a transaction-mode client keeps its server between transactions: session state that would
 * otherwise stay behind on the server (and reach the next client) or be missing from the client's
 * next transaction on another server. A client's reasons are a bit set ({@link #bit()}); it is
 * pinned while any is set.
 */
public enum PinReason {
    /** CREATE TEMP TABLE (VIEW, SEQUENCE), unless ON COMMIT DROP. Gone with DISCARD TEMP / DISCARD ALL. */
    TEMP_TABLE("temp_table"),
    /** LISTEN, or a notification the server delivered. Gone with UNLISTEN * / DISCARD ALL. */
    LISTEN("listen"),
    /** pg_advisory_lock and friends (session level). Gone with pg_advisory_unlock_all() / DISCARD ALL. */
    ADVISORY_LOCK("advisory_lock"),
    /** DECLARE ... WITH HOLD. Gone with CLOSE ALL / DISCARD ALL. */
    HOLD_CURSOR("hold_cursor"),
    /** SQL-level PREPARE. Gone with DEALLOCATE ALL / DISCARD ALL. */
    PREPARED_STATEMENT("prepared_statement"),
    /** SET (SESSION) of a setting pgwarden does not carry to the client's next server. Gone with RESET ALL / DISCARD ALL. */
    SETTING("setting"),
    /** SET ROLE. Gone with RESET ROLE / SET ROLE NONE / DISCARD ALL. */
    ROLE("role"),
    /** SET SESSION AUTHORIZATION. Gone with RESET SESSION AUTHORIZATION / ... DEFAULT / DISCARD ALL. */
    SESSION_AUTHORIZATION("session_authorization");

    /** Every reason's bit. */
    public static final int ALL = (1 << values().length) - 1;

    private static final PinReason[] VALUES = values();

    private final String label;

    PinReason(String label) {
        this.label = label;
    }

    public int bit() {
        return 1 << ordinal();
    }

    /** The metric label and the SHOW CLIENTS spelling. */
    public String label() {
        return label;
    }

    /** The reasons in {@code bits}, in declaration order. */
    public static List<PinReason> of(int bits) {
        List<PinReason> reasons = new ArrayList<>(Integer.bitCount(bits));
        for (PinReason reason : VALUES) {
            if ((bits & reason.bit()) != 0) {
                reasons.add(reason);
            }
        }
        return reasons;
    }

    /** The labels of {@code bits}, comma-separated ({@code ""} for none): SHOW CLIENTS' pin_reasons. */
    public static String labels(int bits) {
        StringBuilder text = new StringBuilder();
        for (PinReason reason : of(bits)) {
            text.append(text.length() == 0 ? "" : ",").append(reason.label);
        }
        return text.toString();
    }
}
