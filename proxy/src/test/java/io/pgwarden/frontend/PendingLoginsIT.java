package io.pgwarden.frontend;

import io.pgwarden.Eventually;
import io.pgwarden.Pgwarden;
import io.pgwarden.RawPgClient;
import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import io.pgwarden.auth.Md5Password;
import io.pgwarden.config.LimitsConfig;
import io.pgwarden.config.PgwardenConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connections that never log in (a flood of silent TCP connections) are capped: per source address
 * and over all. Past a cap a new connection gets 53300 at once; clients from other addresses, the
 * HTTP endpoint, and everyone once the flood goes away, are served. Loopback addresses stand in for
 * hosts: 127.0.0.2 is another source than 127.0.0.1.
 */
@WithPlatform
class PendingLoginsIT {

    private static final int MAX_PENDING = 12;
    private static final int MAX_PER_ADDRESS = 5;

    private static TestPlatform platform;
    private static Pgwarden pgwarden;
    private final List<Socket> silent = new ArrayList<>();

    @BeforeAll
    static void startWithSmallLimits() throws InterruptedException {
        PgwardenConfig shared = platform.config();
        pgwarden = new Pgwarden(new PgwardenConfig(shared.listen(), shared.backends(), shared.databases(), shared.services(),
                shared.http(), shared.adminServices(), new LimitsConfig(0, MAX_PENDING, MAX_PER_ADDRESS))).start();
    }

    @AfterAll
    static void stop() {
        pgwarden.close();
    }

    @AfterEach
    void closeTheFlood() throws Exception {
        for (Socket socket : silent) {
            socket.close();
        }
        silent.clear();
        Eventually.await("the flood's logins to end", () -> logIn("127.0.0.1"), "ok"::equals);
    }

    private static Socket connectFrom(String source) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
        socket.connect(new InetSocketAddress("127.0.0.1", pgwarden.port()));
        socket.setSoTimeout(10_000);
        return socket;
    }

    /**
     * Adds one silent connection (it sends nothing) from each of {@code sources} in turn, until a
     * connection from {@code probe} is refused. (Topping up, not a fixed count: a connection that
     * has just closed may hold its slot for a moment, and a flood connection refused then is gone.)
     */
    private void floodUntilRefused(String probe, String... sources) throws Exception {
        int[] next = {0};
        Eventually.await("a connection from " + probe + " to be refused", () -> {
            if (silent.size() < 3 * MAX_PENDING) { // without a cap, the flood stops there
                silent.add(connectFrom(sources[next[0]++ % sources.length]));
            }
            return refusedOrAdmitted(probe);
        }, "53300 sorry, too many clients already"::equals);
    }

    /**
     * A fresh connection from {@code source} sends its startup and closes: "R" when it was asked to
     * authenticate, else the SQLSTATE and message it was refused with.
     */
    private static String refusedOrAdmitted(String source) throws IOException {
        try (Socket socket = connectFrom(source)) {
            try {
                socket.getOutputStream().write(RawPgClient.startupPacket(3 << 16, "user", "md5-service", "database", "orders"));
            } catch (IOException refusedBeforeTheWrite) {
                // pgwarden may have closed already; its answer is still to be read
            }
            RawPgClient.Message answer = read(new DataInputStream(socket.getInputStream()));
            return answer.type() == 'E' ? answer.fields().get('C') + " " + answer.fields().get('M') : String.valueOf(answer.type());
        }
    }

    /** A whole md5 login from {@code source} and its ReadyForQuery: "ok", else the refusal's SQLSTATE and message. */
    private static String logIn(String source) throws IOException {
        try (Socket socket = connectFrom(source)) {
            OutputStream out = socket.getOutputStream();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            out.write(RawPgClient.startupPacket(3 << 16, "user", "md5-service", "database", "orders"));
            RawPgClient.Message m = read(in);
            if (m.type() == 'R') {
                byte[] salt = java.util.Arrays.copyOfRange(m.body(), 4, 8);
                out.write(RawPgClient.typed('p', RawPgClient.cString(Md5Password.response("md5-pw", "md5-service", salt))));
            }
            while (m.type() != 'Z' && m.type() != 'E') {
                m = read(in);
            }
            return m.type() == 'Z' ? "ok" : m.fields().get('C') + " " + m.fields().get('M');
        }
    }

    private static java.sql.Connection adminConsoleFrom(String source) throws java.sql.SQLException {
        java.util.Properties props = new java.util.Properties();
        props.setProperty("user", "ops");
        props.setProperty("password", TestPlatform.PASSWORDS.get("ops"));
        props.setProperty("preferQueryMode", "simple");
        props.setProperty("localSocketAddress", source);
        return java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgwarden.port() + "/pgwarden", props);
    }

    private static RawPgClient.Message read(DataInputStream in) throws IOException {
        char type = (char) in.readUnsignedByte();
        byte[] body = new byte[in.readInt() - 4];
        in.readFully(body);
        return new RawPgClient.Message(type, body);
    }

    private static double refusals(String limit) {
        var counter = pgwarden.observability().metrics().registry().find("pgwarden.logins.refused").tag("limit", limit).counter();
        return counter == null ? 0 : counter.count();
    }

    private static int httpStatus(String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pgwarden.httpPort().getAsInt() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.statusCode();
    }

    @Test
    void oneAddressFloodingIsRefusedAndOthersStillLogIn() throws Exception {
        double refusedBefore = refusals("max_pending_logins_per_address");
        floodUntilRefused("127.0.0.1", "127.0.0.1");
        assertTrue(refusals("max_pending_logins_per_address") > refusedBefore, "counted");

        assertEquals("ok", logIn("127.0.0.2"), "another host is not affected");
        assertEquals(200, httpStatus("/health/live"));
        try (java.sql.Connection console = adminConsoleFrom("127.0.0.2"); java.sql.Statement st = console.createStatement()) {
            assertTrue(st.execute("SHOW POOLS"), "an operator on another host reaches the admin console");
        }

        silent.remove(0).close(); // one of the flood leaves: its slot is free for a real login
        Eventually.await("a login from the flooding address", () -> logIn("127.0.0.1"), "ok"::equals);
    }

    @Test
    void aFloodFromManyAddressesIsCappedOverAll() throws Exception {
        double refusedBefore = refusals("max_pending_logins");
        floodUntilRefused("127.0.0.5", "127.0.0.2", "127.0.0.3", "127.0.0.4");
        assertTrue(refusals("max_pending_logins") > refusedBefore, "counted");
        assertEquals("53300 sorry, too many clients already", logIn("127.0.0.6"), "no one gets in");
        assertEquals(200, httpStatus("/health/live"), "the HTTP endpoint has a port and a thread of its own");

        for (Socket socket : silent) {
            socket.close();
        }
        silent.clear();
        Eventually.await("a login once the flood is gone", () -> logIn("127.0.0.6"), "ok"::equals);
    }
}
