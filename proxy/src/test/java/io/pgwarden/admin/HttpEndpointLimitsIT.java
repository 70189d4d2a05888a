package io.pgwarden.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgwarden.Eventually;
import io.pgwarden.TestPlatform;
import io.pgwarden.WithPlatform;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The HTTP endpoint protects itself: a request must arrive whole within {@code http.read_timeout}
 * (so neither an idle keep-alive nor a request sent a byte at a time holds a connection), and no
 * more than {@code http.max_connections} are open at once. Raw sockets, because a well-behaved
 * HTTP client cannot send half a request.
 */
@WithPlatform({"HTTP_READ_TIMEOUT=3s", "HTTP_MAX_CONNECTIONS=4"})
class HttpEndpointLimitsIT {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(3);
    private static final int MAX_CONNECTIONS = 4;
    private static final String GET_LIVE = "GET /health/live HTTP/1.1\r\nHost: pgwarden\r\n\r\n";

    private static TestPlatform platform;

    @Test
    void aRequestSentAByteAtATimeIsClosedAfterTheReadTimeout() throws IOException {
        try (HttpSocket socket = HttpSocket.open()) {
            long start = System.nanoTime();
            socket.send("GET /metrics HTTP/1.1\r\nHost: pgwarden\r\n");
            // a header line every 200 ms: the connection is never idle, yet the request never ends
            boolean closed = false;
            for (int line = 0; !closed && Duration.ofNanos(System.nanoTime() - start).toSeconds() < 10; line++) {
                closed = !socket.trySend("X-Trickle-" + line + ": y\r\n") || socket.closedWithin(Duration.ofMillis(200));
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(closed, "still open after " + elapsed.toMillis() + " ms");
            assertTrue(elapsed.compareTo(READ_TIMEOUT.minusMillis(500)) >= 0, "closed before the timeout: " + elapsed.toMillis() + " ms");
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterTheReadTimeout() throws IOException {
        try (HttpSocket socket = HttpSocket.open()) {
            socket.send(GET_LIVE);
            assertEquals("HTTP/1.1 200 OK", socket.readResponse().statusLine());
            long answered = System.nanoTime();

            assertTrue(socket.closedWithin(Duration.ofSeconds(10)), "the idle connection was not closed");
            Duration idle = Duration.ofNanos(System.nanoTime() - answered);
            assertTrue(idle.compareTo(READ_TIMEOUT.minusMillis(500)) >= 0, "closed before the timeout: " + idle.toMillis() + " ms");
        }
    }

    @Test
    void metricsAnswerKeepAliveRequestsWhileOtherConnectionsHangBelowTheCap() throws IOException {
        List<HttpSocket> hanging = new ArrayList<>();
        try (HttpSocket client = HttpSocket.open()) {
            for (int i = 0; i < MAX_CONNECTIONS - 2; i++) {
                HttpSocket socket = HttpSocket.open();
                hanging.add(socket);
                socket.send("GET /metrics HTTP/1.1\r\n");
            }
            for (int request = 0; request < 2; request++) {
                client.send("GET /metrics HTTP/1.1\r\nHost: pgwarden\r\n\r\n");
                Response response = client.readResponse();
                assertEquals("HTTP/1.1 200 OK", response.statusLine());
                assertTrue(response.body().contains("pgwarden_"), response.body());
            }
        } finally {
            closeAll(hanging);
        }
    }

    @Test
    void pastTheCapANewConnectionIsClosedAtOnceAndOneClosingMakesRoom() throws Exception {
        List<HttpSocket> admitted = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_CONNECTIONS; i++) {
                // retried: a socket of an earlier test may still be on its way out
                admitted.add(Eventually.await("connection " + (i + 1) + " admitted", HttpSocket::answeredOnce, s -> s != null));
            }
            try (HttpSocket refused = HttpSocket.open()) {
                boolean sent = refused.trySend(GET_LIVE);
                assertTrue(!sent || refused.closedWithin(Duration.ofSeconds(2)),
                        "connection " + (MAX_CONNECTIONS + 1) + " was served");
            }

            admitted.remove(0).close();
            HttpSocket again = Eventually.await("a connection admitted after one closed", HttpSocket::answeredOnce, s -> s != null);
            admitted.add(again);
        } finally {
            closeAll(admitted);
        }
    }

    private static void closeAll(List<HttpSocket> sockets) throws IOException {
        for (HttpSocket socket : sockets) {
            socket.close();
        }
    }

    record Response(String statusLine, String body) {
    }

    /** One TCP connection to the HTTP endpoint, written and read by hand. */
    private static final class HttpSocket implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;

        private HttpSocket(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
        }

        static HttpSocket open() throws IOException {
            return new HttpSocket(new Socket("127.0.0.1", platform.pgwarden().httpPort().orElseThrow()));
        }

        /** A connection that has been answered once (so it is surely counted), or null if it was refused. */
        static HttpSocket answeredOnce() throws IOException {
            HttpSocket socket = open();
            if (socket.trySend(GET_LIVE)) {
                try {
                    socket.socket.setSoTimeout(2_000);
                    if (socket.readResponse().statusLine().equals("HTTP/1.1 200 OK")) {
                        return socket;
                    }
                } catch (IOException refused) {
                    // closed without an answer
                }
            }
            socket.close();
            return null;
        }

        void send(String text) throws IOException {
            socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
        }

        /** False when the server has already closed the connection. */
        boolean trySend(String text) {
            try {
                send(text);
                return true;
            } catch (IOException closed) {
                return false;
            }
        }

        /** True when the server closes (end of stream or reset) within {@code wait} without sending anything. */
        boolean closedWithin(Duration wait) throws IOException {
            socket.setSoTimeout((int) wait.toMillis());
            try {
                int read = in.read();
                if (read >= 0) {
                    throw new AssertionError("expected a close, got data starting with '" + (char) read + "'");
                }
                return true;
            } catch (SocketTimeoutException stillOpen) {
                return false;
            } catch (IOException reset) {
                return true;
            }
        }

        /** Status line, headers up to the blank line, then Content-Length bytes of body. */
        Response readResponse() throws IOException {
            if (socket.getSoTimeout() == 0) {
                socket.setSoTimeout(10_000);
            }
            String statusLine = readLine();
            int contentLength = 0;
            for (String header = readLine(); !header.isEmpty(); header = readLine()) {
                if (header.toLowerCase().startsWith("content-length:")) {
                    contentLength = Integer.parseInt(header.substring("content-length:".length()).trim());
                }
            }
            byte[] body = in.readNBytes(contentLength);
            if (body.length < contentLength) {
                throw new IOException("closed after " + body.length + " of " + contentLength + " body bytes");
            }
            return new Response(statusLine, new String(body, StandardCharsets.UTF_8));
        }

        private String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("closed mid-response after '" + line + "'");
                }
                if (b != '\r') {
                    line.write(b);
                }
            }
            return line.toString(StandardCharsets.US_ASCII);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
