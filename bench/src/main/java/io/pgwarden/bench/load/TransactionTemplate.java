package io.pgwarden.bench.load;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One unit of work a simulated client repeats: one transaction (or one autocommit statement) on a
 * connection it was just given. It must leave the connection as it found it (commit or roll back).
 */
@FunctionalInterface
public interface TransactionTemplate {

    void execute(Connection connection, ThreadLocalRandom random) throws SQLException;
}
