package io.pgwarden.frontend;

import java.util.HashMap;
import java.util.Map;

/**
 * A transaction-mode client's named prepared statements: its name → pgwarden's name and the
 * definition (kept so pgwarden can prepare it on any server that lacks it).
 */
final class ClientStatements {

    /** One statement as the client knows it; {@code effect}: what it does to the session ({@link PinScanner#scan}). */
    record Statement(String clientName, String serverName, byte[] definition, int effect) {

        /** A name the client never prepared (or pgwarden cannot map): the server answers for it. */
        static Statement unknown(String clientName) {
            return new Statement(clientName, io.pgwarden.backend.StatementNames.UNKNOWN, null, 0);
        }

        /** It may change the session's role. */
        boolean changesIdentity() {
            return PinScanner.changesIdentity(effect);
        }
    }

    private final Map<String, Statement> byName = new HashMap<>();

    Statement get(String clientName) {
        return byName.get(clientName);
    }

    void put(Statement statement) {
        byName.put(statement.clientName(), statement);
    }

    /** Removes {@code statement} if the name still means it. */
    void remove(Statement statement) {
        byName.remove(statement.clientName(), statement);
    }

    void clear() {
        byName.clear();
    }
}
