package io.pgwarden.audit;

import java.util.List;

/**
 * One thing the audit found on one backend.
 *
 * @param backend  the backend's name in the config
 * @param database the physical database it concerns; null when it concerns the whole instance
 * @param what     what was found, with the names involved
 * @param fix      SQL statements that fix it, in order, each without its semicolon and each to run on
 *                 its own (some may not run in a transaction block); a comment where no SQL can
 * @param fixIn    the database to run {@code fix} in; null for any (e.g. the admin database)
 */
public record Finding(String backend, Severity severity, FindingKind kind, String database, String what,
                      List<String> fix, String fixIn) {

    public Finding {
        fix = List.copyOf(fix);
    }

    public String why() {
        return kind.why();
    }
}
