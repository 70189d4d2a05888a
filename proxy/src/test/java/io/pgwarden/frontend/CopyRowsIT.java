package io.pgwarden.frontend;

import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * COPY with tiny rows, one CopyData per row (as psql sends them), in both directions and both pool
 * modes: pgwarden takes the CopyData a read brings as one frame (MessageFrameDecoderTest), and every
 * row must still arrive whole, once, in order. The memory side is bench/copy-memory.sh's.
 */
@WithPlatform
class CopyRowsIT {

    private static final int ROWS = 200_000;

    private static TestPlatform platform;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"orders", "orders_tx"})
    void copyFromStdinOfOneCopyDataPerRowArrivesWhole(String database) throws Exception {
        String table = "copy_rows_" + database;
        try (Connection c = platform.connect("orders-service", database); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + table);
            st.execute("CREATE TABLE " + table + " (n int)");
            CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + table + " FROM STDIN");
            for (int n = 1; n <= ROWS; n++) {
                byte[] row = (n + "\n").getBytes(StandardCharsets.US_ASCII);
                in.writeToCopy(row, 0, row.length); // one CopyData each
            }
            assertEquals(ROWS, in.endCopy());
            try (ResultSet rs = st.executeQuery("SELECT count(*), sum(n), count(DISTINCT n) FROM " + table)) {
                rs.next();
                assertEquals(ROWS, rs.getLong(1));
                assertEquals((long) ROWS * (ROWS + 1) / 2, rs.getLong(2));
                assertEquals(ROWS, rs.getLong(3));
            }
            st.execute("DROP TABLE " + table);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"orders", "orders_tx"})
    void copyToStdoutOfTinyRowsArrivesWholeAndInOrder(String database) throws Exception {
        try (Connection c = platform.connect("orders-service", database)) {
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(ROWS, copy.copyOut("COPY (SELECT n FROM generate_series(1, " + ROWS + ") n) TO STDOUT", out));
            StringBuilder expected = new StringBuilder();
            for (int n = 1; n <= ROWS; n++) {
                expected.append(n).append('\n');
            }
            assertEquals(expected.toString(), out.toString(StandardCharsets.US_ASCII));
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
                rs.next(); // the connection goes on after the COPY
                assertEquals(1, rs.getInt(1));
            }
        }
    }
}
