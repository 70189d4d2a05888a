package io.pgwarden.frontend;

import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Properties;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Single protocol messages of several MB, a hundred times pgwarden's write buffer high-water mark
 * (64 KiB), in both directions and both pool modes: a Query and a Parse with a huge text, a Bind
 * with a huge parameter, a DataRow with a huge value. Each arrives byte for byte: the other side's
 * md5 of it, or the value itself, must match. Fails if pgwarden cuts, reorders or drops any part of
 * a message it has to write in many pieces as the socket becomes writable again.
 */
@WithPlatform
class LargeMessagesIT {

    private static final int MEGABYTES = 6;

    private static TestPlatform platform;

    private static Connection connect(String database, String queryMode) throws SQLException {
        Properties props = new Properties();
        props.setProperty("preferQueryMode", queryMode);
        return platform.connect("orders-service", TestPlatform.PASSWORDS.get("orders-service"), database, props);
    }

    /** Random letters and digits, so a shifted or repeated piece shows in the md5. */
    private static String randomText(long seed, int length) {
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        Random random = new Random(seed);
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = alphabet.charAt(random.nextInt(alphabet.length()));
        }
        return new String(chars);
    }

    private static String md5(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"orders", "orders_tx"})
    void aQueryTextOfSeveralMegabytesReachesPostgresIntact(String database) throws Exception {
        String text = randomText(1, MEGABYTES << 20);
        String expected = md5(text.getBytes(StandardCharsets.US_ASCII));
        for (String mode : new String[] {"simple", "extended"}) { // one Query message; one Parse message
            try (Connection c = connect(database, mode); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT md5('" + text + "'), length('" + text + "')")) {
                rs.next();
                assertEquals(expected, rs.getString(1), mode + " query mode");
                assertEquals(text.length(), rs.getInt(2), mode + " query mode");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"orders", "orders_tx"})
    void aBindParameterOfSeveralMegabytesReachesPostgresIntact(String database) throws Exception {
        byte[] binary = new byte[MEGABYTES << 20];
        new Random(2).nextBytes(binary); // every byte value, NULs included
        String text = randomText(3, MEGABYTES << 20);
        try (Connection c = connect(database, "extended");
             PreparedStatement bytes = c.prepareStatement("SELECT md5(?::bytea), octet_length(?::bytea)");
             PreparedStatement chars = c.prepareStatement("SELECT md5(?::text)")) {
            bytes.setBytes(1, binary);
            bytes.setBytes(2, binary);
            try (ResultSet rs = bytes.executeQuery()) {
                rs.next();
                assertEquals(md5(binary), rs.getString(1));
                assertEquals(binary.length, rs.getInt(2));
            }
            chars.setString(1, text);
            try (ResultSet rs = chars.executeQuery()) {
                rs.next();
                assertEquals(md5(text.getBytes(StandardCharsets.US_ASCII)), rs.getString(1));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"orders", "orders_tx"})
    void aValueOfSeveralMegabytesInADataRowReachesTheClientIntact(String database) throws Exception {
        int rows = (MEGABYTES << 20) / 32;
        StringBuilder expected = new StringBuilder(rows * 32);
        for (int g = 1; g <= rows; g++) {
            expected.append(md5(Integer.toString(g).getBytes(StandardCharsets.US_ASCII)));
        }
        String text = randomText(4, MEGABYTES << 20);
        try (Connection c = connect(database, "extended"); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT string_agg(md5(g::text), '' ORDER BY g), "
                    + "decode(string_agg(md5(g::text), '' ORDER BY g), 'hex') FROM generate_series(1, " + rows + ") g")) {
                rs.next();
                String value = rs.getString(1);
                assertEquals(expected.length(), value.length());
                assertTrue(expected.toString().equals(value), "the text DataRow arrived changed");
                assertArrayEquals(HexFormat.of().parseHex(expected), rs.getBytes(2), "the bytea DataRow arrived changed");
            }
            try (PreparedStatement echo = c.prepareStatement("SELECT ?::text")) { // both directions in one round trip
                echo.setString(1, text);
                try (ResultSet rs = echo.executeQuery()) {
                    rs.next();
                    assertTrue(text.equals(rs.getString(1)), "the echoed value arrived changed");
                }
            }
        }
    }
}
