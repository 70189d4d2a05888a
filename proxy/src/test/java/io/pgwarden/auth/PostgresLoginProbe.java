package io.pgwarden.auth;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Logs in to a real PostgreSQL over a plain blocking socket, driving the login with this package's
 * classes only: enough protocol to prove them against the server, nothing of the proxy's own.
 */
final class PostgresLoginProbe {

    /** The server refused the login with an ErrorResponse. */
    static final class Refused extends Exception {
        final String sqlState;

        Refused(String sqlState, String message) {
            super(sqlState + " " + message);
            this.sqlState = sqlState;
        }
    }

    private static final int AUTH_OK = 0;
    private static final int AUTH_MD5 = 5;
    private static final int AUTH_SASL = 10;
    private static final int AUTH_SASL_CONTINUE = 11;
    private static final int AUTH_SASL_FINAL = 12;

    private PostgresLoginProbe() {
    }

    /** Returns the authentication method the server asked for once it has sent AuthenticationOk. */
    static String login(String host, int port, String user, String password)
            throws IOException, AuthenticationFailedException, Refused {
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout(10_000);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            sendStartup(out, user);
            String method = null;
            ScramClientExchange scram = null;
            while (true) {
                char type = (char) in.readUnsignedByte();
                byte[] body = new byte[in.readInt() - 4];
                in.readFully(body);
                if (type == 'E') {
                    throw refused(body);
                }
                if (type != 'R') {
                    throw new IOException("unexpected message " + type + " during login");
                }
                int code = readInt(body, 0);
                byte[] data = Arrays.copyOfRange(body, 4, body.length);
                switch (code) {
                    case AUTH_OK -> {
                        return method;
                    }
                    case AUTH_MD5 -> {
                        method = "md5";
                        send(out, 'p', cString(Md5Password.response(password, user, data)));
                    }
                    case AUTH_SASL -> {
                        method = ScramClientExchange.MECHANISM;
                        if (!cStrings(data).contains(ScramClientExchange.MECHANISM)) {
                            throw new IOException("server offers " + cStrings(data));
                        }
                        scram = new ScramClientExchange(password);
                        byte[] first = scram.clientFirstMessage();
                        ByteArrayOutputStream initial = new ByteArrayOutputStream();
                        initial.writeBytes(cString(ScramClientExchange.MECHANISM));
                        new DataOutputStream(initial).writeInt(first.length);
                        initial.writeBytes(first);
                        send(out, 'p', initial.toByteArray());
                    }
                    case AUTH_SASL_CONTINUE -> send(out, 'p', scram.handleServerFirst(data));
                    case AUTH_SASL_FINAL -> scram.handleServerFinal(data);
                    default -> throw new IOException("unsupported authentication request " + code);
                }
            }
        }
    }

    private static void sendStartup(DataOutputStream out, String user) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        new DataOutputStream(body).writeInt(196608); // protocol 3.0
        for (String part : new String[] {"user", user, "database", "postgres"}) {
            body.writeBytes(cString(part));
        }
        body.write(0);
        out.writeInt(body.size() + 4);
        out.write(body.toByteArray());
        out.flush();
    }

    private static void send(DataOutputStream out, char type, byte[] body) throws IOException {
        out.writeByte(type);
        out.writeInt(body.length + 4);
        out.write(body);
        out.flush();
    }

    private static Refused refused(byte[] body) {
        String sqlState = "?";
        String message = "";
        int at = 0;
        while (at < body.length && body[at] != 0) {
            byte field = body[at++];
            int end = at;
            while (body[end] != 0) {
                end++;
            }
            String value = new String(body, at, end - at, StandardCharsets.UTF_8);
            if (field == 'C') {
                sqlState = value;
            } else if (field == 'M') {
                message = value;
            }
            at = end + 1;
        }
        return new Refused(sqlState, message);
    }

    private static List<String> cStrings(byte[] data) {
        List<String> strings = new ArrayList<>();
        for (String s : new String(data, StandardCharsets.UTF_8).split("\0")) {
            if (!s.isEmpty()) {
                strings.add(s);
            }
        }
        return strings;
    }

    private static byte[] cString(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return Arrays.copyOf(bytes, bytes.length + 1);
    }

    private static int readInt(byte[] bytes, int at) {
        return ((bytes[at] & 0xFF) << 24) | ((bytes[at + 1] & 0xFF) << 16) | ((bytes[at + 2] & 0xFF) << 8) | (bytes[at + 3] & 0xFF);
    }
}
