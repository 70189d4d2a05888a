package io.pgwarden.frontend;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.pgwarden.Pgwarden;
import io.pgwarden.RawPgClient;
import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import io.pgwarden.auth.Md5Password;
import io.pgwarden.config.LimitsConfig;
import io.pgwarden.config.PgwardenConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * limits.login_timeout, and failed logins throttled per service and per source address. Loopback
 * addresses stand in for hosts: 127.0.0.2 hammers, 127.0.0.1 is a legitimate client elsewhere.
 */
@WithPlatform
class LoginThrottleIT {

    private static final Duration LOGIN_TIMEOUT = Duration.ofSeconds(3);
    private static final int AUTH_FAILURES = 3;
    private static final Duration MAX_DELAY = Duration.ofSeconds(2);

    private static TestPlatform platform;
    private Pgwarden pgwarden;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    /** A pgwarden of its own per test: each starts with empty books. */
    @BeforeEach
    void start() throws InterruptedException {
        PgwardenConfig shared = platform.config();
        pgwarden = new Pgwarden(new PgwardenConfig(shared.listen(), shared.backends(), shared.databases(), shared.services(),
                shared.http(), shared.adminServices(), new LimitsConfig(0, 1000, 100, 64 << 20, LOGIN_TIMEOUT, AUTH_FAILURES,
                Duration.ofMinutes(1), MAX_DELAY))).start();
        log.start();
        ((Logger) LoggerFactory.getLogger(AuthenticationHandler.class)).addAppender(log);
    }

    @AfterEach
    void stop() {
        ((Logger) LoggerFactory.getLogger(AuthenticationHandler.class)).detachAppender(log);
        pgwarden.close();
    }

    /** What a login got, and how long from the password to the answer. */
    private record Answer(String outcome, Map<Character, String> error, Duration took) {
    }

    /** A whole md5 login as md5-service from {@code source}: "ok" after ReadyForQuery, else the error's SQLSTATE. */
    private Answer logIn(String source, String password) throws IOException {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
            socket.connect(new InetSocketAddress("127.0.0.1", pgwarden.port()));
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            out.write(RawPgClient.startupPacket(3 << 16, "user", "md5-service", "database", "orders"));
            RawPgClient.Message m = read(in);
            assertEquals('R', m.type());
            byte[] salt = java.util.Arrays.copyOfRange(m.body(), 4, 8);
            long sent = System.nanoTime();
            out.write(RawPgClient.typed('p', RawPgClient.cString(Md5Password.response(password, "md5-service", salt))));
            m = read(in);
            Duration took = Duration.ofNanos(System.nanoTime() - sent);
            while (m.type() != 'Z' && m.type() != 'E') {
                m = read(in);
            }
            return m.type() == 'Z' ? new Answer("ok", Map.of(), took) : new Answer(m.fields().get('C'), m.fields(), took);
        }
    }

    private static RawPgClient.Message read(DataInputStream in) throws IOException {
        char type = (char) in.readUnsignedByte();
        byte[] body = new byte[in.readInt() - 4];
        in.readFully(body);
        return new RawPgClient.Message(type, body);
    }

    private double episodes(String key) {
        var counter = pgwarden.observability().metrics().registry().find("pgwarden.login.throttle.episodes").tag("key", key).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void hammeringSlowsTheHammerButARightPasswordFromElsewhereGetsInAtOnce() throws IOException {
        Answer first = logIn("127.0.0.2", "wrong");
        assertEquals("28P01", first.outcome());
        Answer last = first;
        for (int i = 1; i < AUTH_FAILURES + 4; i++) { // delays 0 0 100 200 400 800 ms
            last = logIn("127.0.0.2", "wrong");
            assertEquals(first.error(), last.error(), "a throttled failure is answered exactly as any wrong password");
        }
        assertTrue(last.took().compareTo(Duration.ofMillis(750)) >= 0, "the hammer waits: " + last.took());

        Answer elsewhere = logIn("127.0.0.1", "md5-pw");
        assertEquals("ok", elsewhere.outcome());
        assertTrue(elsewhere.took().compareTo(Duration.ofMillis(700)) < 0, "the right password from elsewhere is not held: "
                + elsewhere.took());

        // decided: from the hammering address even the right password waits, or its speed would tell it apart
        Answer fromTheHammer = logIn("127.0.0.2", "md5-pw");
        assertEquals("ok", fromTheHammer.outcome());
        assertTrue(fromTheHammer.took().compareTo(Duration.ofMillis(750)) >= 0, "waits like a failure: " + fromTheHammer.took());

        assertEquals(1, episodes("service"));
        assertEquals(1, episodes("address"));
        assertEquals(2, log.list.stream().filter(e -> e.getFormattedMessage().contains("failed logins within")).count(),
                "one line per episode (the service's and the address's), not one per attempt");
        assertTrue(log.list.stream().noneMatch(e -> e.getFormattedMessage().contains("wrong")), "no password in the log");
    }

    @Test
    void aLoginThatDoesNotFinishEndsAfterLimitsLoginTimeout() throws IOException {
        try (RawPgClient client = new RawPgClient(pgwarden.port())) {
            long start = System.nanoTime();
            client.send(RawPgClient.startupPacket(3 << 16, "user", "md5-service", "database", "orders"));
            assertEquals('R', client.read().type());
            RawPgClient.Message timeout = client.read(); // never answered
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertEquals('E', timeout.type());
            assertEquals("08P01", timeout.fields().get('C'));
            assertEquals("canceling authentication due to timeout", timeout.fields().get('M'));
            assertTrue(took.compareTo(LOGIN_TIMEOUT.minusMillis(100)) >= 0 && took.compareTo(Duration.ofSeconds(9)) < 0,
                    "after the configured " + LOGIN_TIMEOUT + ", not the old fixed 60 s: " + took);
            assertTrue(client.closedByServer());
        }
    }
}
