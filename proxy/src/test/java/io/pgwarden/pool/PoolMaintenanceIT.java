package io.pgwarden.pool;

import io.pgwarden.Eventually;
import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Idle server connections are closed after server_idle_timeout (1 s here), and min_idle are kept warm. */
@WithPlatform({"SERVER_IDLE_TIMEOUT=1s", "TRUSTED_MIN_IDLE=2"})
class PoolMaintenanceIT {

    private static TestPlatform platform;

    /*
     * Fails if the warm connections are not opened, or if maintenance closes them once idle past
     * server_idle_timeout (and opens others to refill min_idle: the pids would change).
     */
    @Test
    void minIdleConnectionsAreOpenedWithoutAnyClientAndOutliveTheIdleTimeout() throws Exception {
        List<Integer> warm = Eventually.await("2 warm connections to trusted_db",
                () -> platform.backendPids("trusted_db"), pids -> pids.size() == 2);
        Warm seen = Eventually.await("the warm connections to live 2.5 s, past server_idle_timeout, or one to be gone",
                () -> new Warm(olderThan(warm, "2.5 s"), platform.backendPids("trusted_db")),
                now -> now.older() == 2 || !now.pids().containsAll(warm));
        assertEquals(warm, seen.pids(), "the same two connections, never closed and replaced");
    }

    /** The warm connections now: how many of the first two are older than asked, and the pids there are. */
    private record Warm(int older, List<Integer> pids) {
    }

    /* Fails if an idle server connection is never closed (or is closed at once, not kept for reuse). */
    @Test
    void idleServerConnectionsAreClosedAfterTheIdleTimeout() throws Exception {
        try (Connection c = platform.connect("payments-service", "payments")) {
            c.createStatement().execute("SELECT 1");
        }
        assertTrue(platform.backendConnections("payments_db") >= 1, "the server stays for reuse");
        Eventually.await("payments_db's connection closed after server_idle_timeout",
                () -> platform.backendConnections("payments_db") == 0);
    }

    /** How many of {@code pids} PostgreSQL started more than {@code age} ago. */
    private static int olderThan(List<Integer> pids, String age) throws SQLException {
        try (Connection admin = platform.admin(); PreparedStatement st = admin.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY (?) AND backend_start < now() - ?::interval")) {
            st.setArray(1, admin.createArrayOf("int4", pids.toArray()));
            st.setString(2, age);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
