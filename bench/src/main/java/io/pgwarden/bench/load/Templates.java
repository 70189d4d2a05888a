package io.pgwarden.bench.load;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;

/** Transaction templates on pgbench's tables ({@code pgbench -i -s scale}). */
public final class Templates {

    private static final int ACCOUNTS_PER_SCALE = 100_000;

    private Templates() {
    }

    /** pgbench's select-only script: one autocommit primary-key read. */
    public static TransactionTemplate selectOnly(int scale) {
        int accounts = scale * ACCOUNTS_PER_SCALE;
        return (connection, random) -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT abalance FROM pgbench_accounts WHERE aid = ?")) {
                select.setInt(1, 1 + random.nextInt(accounts));
                try (ResultSet rows = select.executeQuery()) {
                    rows.next();
                }
            }
        };
    }

    /**
     * A service-like transaction: read an account and its branch, update the account, record the
     * change, commit. Five statements, one round trip each, prepared by pgjdbc after five uses.
     */
    public static TransactionTemplate service(int scale) {
        int accounts = scale * ACCOUNTS_PER_SCALE;
        return (connection, random) -> {
            int aid = 1 + random.nextInt(accounts);
            int delta = random.nextInt(-5000, 5001);
            connection.setAutoCommit(false);
            try {
                int bid;
                try (PreparedStatement select = connection.prepareStatement(
                        "SELECT abalance, bid FROM pgbench_accounts WHERE aid = ?")) {
                    select.setInt(1, aid);
                    try (ResultSet rows = select.executeQuery()) {
                        rows.next();
                        bid = rows.getInt(2);
                    }
                }
                try (PreparedStatement branch = connection.prepareStatement(
                        "SELECT bbalance FROM pgbench_branches WHERE bid = ?")) {
                    branch.setInt(1, bid);
                    try (ResultSet rows = branch.executeQuery()) {
                        rows.next();
                    }
                }
                try (PreparedStatement update = connection.prepareStatement(
                        "UPDATE pgbench_accounts SET abalance = abalance + ? WHERE aid = ?")) {
                    update.setInt(1, delta);
                    update.setInt(2, aid);
                    update.executeUpdate();
                }
                try (PreparedStatement history = connection.prepareStatement(
                        "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (?, ?, ?, ?, now())")) {
                    history.setInt(1, 1 + random.nextInt(10 * scale));
                    history.setInt(2, bid);
                    history.setInt(3, aid);
                    history.setInt(4, delta);
                    history.executeUpdate();
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(connection);
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        };
    }

    /** By name, for the command line: {@code select-only} or {@code service}. */
    public static TransactionTemplate named(String name, int scale) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "select-only" -> selectOnly(scale);
            case "service" -> service(scale);
            default -> throw new IllegalArgumentException("unknown template '" + name + "': select-only or service");
        };
    }

    private static void rollbackQuietly(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // the connection is probably broken; the pool finds out
        }
    }
}
