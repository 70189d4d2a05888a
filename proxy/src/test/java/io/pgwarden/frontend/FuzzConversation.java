package io.pgwarden.frontend;

import io.pgwarden.RawPgClient;
import io.pgwarden.RawPgClient.Message;
import io.pgwarden.frontend.FrontendFuzz.Ending;
import io.pgwarden.frontend.FrontendFuzz.Sequence;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * Plays one {@link Sequence} on a logged-in client and checks what comes back: only backend
 * message types a logged-in client may get, every ErrorResponse with a SQLSTATE, every
 * ReadyForQuery with a known status, and an end within the read timeout: the marker's row and
 * ReadyForQuery 'I', or a FATAL and then the close. Anything else is a {@link Violation}.
 */
public final class FuzzConversation {

    /** What the sequence did to its client. */
    public enum Outcome {
        /** At ReadyForQuery 'I' with everything answered. */
        IDLE,
        /** Closed by pgwarden after a FATAL. */
        CLOSED_WITH_FATAL,
        /** The client hung up itself. */
        HUNG_UP
    }

    /** An invariant a single client can see broken; the message names which, with the transcript. */
    public static final class Violation extends AssertionError {
        public Violation(String message) {
            super(message);
        }
    }

    /** Backend messages after login: no Authentication, BackendKeyData or NegotiateProtocolVersion. */
    private static final String TYPES_AFTER_LOGIN = "123ACDEGHINSTVWZcdnst";
    /**
     * A pool that kept its clients waiting past query_wait_timeout is stuck: the fuzz clients' requests
     * are short. (Not XX000: PostgreSQL answers a Parse naming an unknown type OID with it.)
     */
    private static final String POOL_STUCK = "53300";
    private static final int MAX_TRANSCRIPT = 160;

    private final RawPgClient client;
    private final Duration readTimeout;
    private final StringBuilder transcript = new StringBuilder();
    private int transcribed;

    public FuzzConversation(RawPgClient client, Duration readTimeout) {
        this.client = client;
        this.readTimeout = readTimeout;
    }

    /** The messages read so far, e.g. {@code 1 2 D C Z(I) E(42601) Z(I)}. */
    public String transcript() {
        return transcript.toString();
    }

    public Outcome play(Sequence sequence) throws IOException {
        client.socket().setSoTimeout((int) readTimeout.toMillis());
        expectSilence();
        try {
            client.send(sequence.bytes());
        } catch (SocketException closedEarly) {
            // pgwarden may close before reading all of it; what it said before that still counts
            if (sequence.ending() == Ending.HANG_UP) {
                return Outcome.HUNG_UP;
            }
        }
        return switch (sequence.ending()) {
            case HANG_UP -> {
                client.close();
                yield Outcome.HUNG_UP;
            }
            case FATAL -> readUntilClosed();
            case SETTLE -> readUntilMarker(sequence.marker());
        };
    }

    /** Between sequences nothing is due: only asynchronous messages (notices, parameter changes, notifications) may arrive. */
    private void expectSilence() throws IOException {
        while (client.socket().getInputStream().available() > 0) {
            Message unsolicited = next();
            if ("NSA".indexOf(unsolicited.type()) < 0) {
                throw violation("a message nobody asked for arrived while the client was idle");
            }
        }
    }

    private Outcome readUntilMarker(String marker) throws IOException {
        byte[] markerBytes = marker.getBytes(StandardCharsets.UTF_8);
        boolean markerSeen = false;
        while (true) {
            Message message = next();
            if (isFatal(message)) {
                return closedAfterFatal();
            }
            if (message.type() == 'D' && contains(message.body(), markerBytes)) {
                markerSeen = true;
            } else if (markerSeen && message.type() == 'Z') {
                if (message.body()[0] != 'I') {
                    throw violation("ReadyForQuery after the marker is not 'I'");
                }
                return Outcome.IDLE;
            }
        }
    }

    private Outcome readUntilClosed() throws IOException {
        while (true) {
            if (isFatal(next())) {
                return closedAfterFatal();
            }
        }
    }

    private Outcome closedAfterFatal() throws IOException {
        try {
            Message after = client.read();
            note(after);
            throw violation("a message after the FATAL instead of the close");
        } catch (EOFException | SocketException closed) {
            return Outcome.CLOSED_WITH_FATAL;
        } catch (SocketTimeoutException stillOpen) {
            throw violation("still open " + readTimeout.toSeconds() + " s after the FATAL");
        }
    }

    /** The next message, checked; a silence past the read timeout or a close without a FATAL are violations. */
    private Message next() throws IOException {
        Message message;
        try {
            message = client.read();
        } catch (SocketTimeoutException silence) {
            throw violation("no answer within " + readTimeout.toSeconds() + " s (a hang)");
        } catch (EOFException | SocketException closed) {
            throw violation("closed without a FATAL (" + closed + ")");
        }
        note(message);
        if (TYPES_AFTER_LOGIN.indexOf(message.type()) < 0) {
            throw violation("message type '" + message.type() + "' (0x" + Integer.toHexString(message.type()) + ") after login");
        }
        if (message.type() == 'Z' && (message.body().length != 1 || "ITE".indexOf(message.body()[0]) < 0)) {
            throw violation("malformed ReadyForQuery");
        }
        if (message.type() == 'E' || message.type() == 'N') {
            Map<Character, String> fields = message.fields();
            String sqlState = fields.get('C');
            if (sqlState == null || !sqlState.matches("[0-9A-Z]{5}") || fields.get('S') == null || fields.get('M') == null) {
                throw violation("an ErrorResponse or NoticeResponse without severity, SQLSTATE or message: " + fields);
            }
            if (message.type() == 'E' && POOL_STUCK.equals(sqlState)) {
                throw violation("error " + sqlState + ": " + fields.get('M'));
            }
        }
        return message;
    }

    private static boolean isFatal(Message message) {
        return message.type() == 'E' && "FATAL".equals(message.fields().get('S'));
    }

    private void note(Message message) {
        if (transcribed++ >= MAX_TRANSCRIPT) {
            return;
        }
        transcript.append(message.type());
        switch (message.type()) {
            case 'Z' -> transcript.append('(').append((char) message.body()[0]).append(')');
            case 'E', 'N' -> {
                Map<Character, String> fields = message.fields();
                transcript.append('(').append(fields.get('S')).append(' ').append(fields.get('C'))
                        .append(": ").append(fields.get('M')).append(')');
            }
            default -> {
            }
        }
        transcript.append(' ');
    }

    private Violation violation(String what) {
        return new Violation(what + "; read so far: " + transcript);
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
