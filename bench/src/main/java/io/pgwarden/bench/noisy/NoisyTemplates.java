package io.pgwarden.bench.noisy;

import io.pgwarden.bench.load.TransactionTemplate;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** The two transactions of the noisy-neighbour benchmark (tables made by bench/noisy-neighbour.sh). */
final class NoisyTemplates {

    /** Rows of {@code flood} in database noisy. */
    static final int FLOOD_ROWS = 1000;
    /** Rows of {@code kv} in databases calm1 and calm2. */
    static final int KV_ROWS = 10_000;

    private NoisyTemplates() {
    }

    /**
     * Heavy-ish: a transaction that holds its server connection ~10 ms and writes:
     * BEGIN; SELECT pg_sleep(0.01); UPDATE flood SET n = n + 1 WHERE id = random; COMMIT.
     */
    static TransactionTemplate heavy() {
        return (connection, random) -> {
            connection.setAutoCommit(false);
            try {
                try (Statement sleep = connection.createStatement()) {
                    sleep.execute("SELECT pg_sleep(0.01)");
                }
                try (PreparedStatement update = connection.prepareStatement(
                        "UPDATE flood SET n = n + 1 WHERE id = ?")) {
                    update.setInt(1, 1 + random.nextInt(FLOOD_ROWS));
                    update.executeUpdate();
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    connection.rollback();
                } catch (SQLException ignored) {
                    // broken connection
                }
                throw e;
            } finally {
                if (!connection.isClosed()) {
                    connection.setAutoCommit(true);
                }
            }
        };
    }

    /** Light: one autocommit primary-key read, SELECT v FROM kv WHERE id = random. */
    static TransactionTemplate light() {
        return (connection, random) -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT v FROM kv WHERE id = ?")) {
                select.setInt(1, 1 + random.nextInt(KV_ROWS));
                try (ResultSet rows = select.executeQuery()) {
                    rows.next();
                }
            }
        };
    }
}
