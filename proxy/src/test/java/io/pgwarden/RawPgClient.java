package io.pgwarden;

import io.pgwarden.auth.Md5Password;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A bare-socket PostgreSQL client for tests that need bytes no driver sends: malformed packets,
 * clients that stop reading. Speaks just enough (startup, md5 login, simple query).
 */
public final class RawPgClient implements AutoCloseable {

    /** One message read back: its type and body. */
    public record Message(char type, byte[] body) {
        /** Fields of an ErrorResponse/NoticeResponse by code. */
        public Map<Character, String> fields() {
            Map<Character, String> fields = new HashMap<>();
            int i = 0;
            while (i < body.length && body[i] != 0) {
                char code = (char) body[i++];
                int end = i;
                while (body[end] != 0) {
                    end++;
                }
                fields.put(code, new String(body, i, end - i, StandardCharsets.UTF_8));
                i = end + 1;
            }
            return fields;
        }

        public int intAt(int offset) {
            return ((body[offset] & 0xff) << 24) | ((body[offset + 1] & 0xff) << 16) | ((body[offset + 2] & 0xff) << 8) | (body[offset + 3] & 0xff);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;

    public RawPgClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
    }

    public Socket socket() {
        return socket;
    }

    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public static byte[] startupPacket(int version, String... namesAndValues) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (String s : namesAndValues) {
            body.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            body.write(0);
        }
        body.write(0);
        byte[] params = body.toByteArray();
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        writeInt(packet, 8 + params.length);
        writeInt(packet, version);
        packet.writeBytes(params);
        return packet.toByteArray();
    }

    public static byte[] typed(char type, byte[] body) {
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(type);
        writeInt(packet, 4 + body.length);
        packet.writeBytes(body);
        return packet.toByteArray();
    }

    public static byte[] cString(String s) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        b.write(0);
        return b.toByteArray();
    }

    private static void writeInt(ByteArrayOutputStream out, int value) {
        out.write(value >>> 24);
        out.write(value >>> 16);
        out.write(value >>> 8);
        out.write(value);
    }

    public int readByte() throws IOException {
        return in.read();
    }

    public Message read() throws IOException {
        char type = (char) in.readUnsignedByte();
        int length = in.readInt();
        byte[] body = new byte[length - 4];
        in.readFully(body);
        return new Message(type, body);
    }

    /** Reads until an ErrorResponse; fails on anything but the given skippable types. */
    public Message readUntil(char wanted) throws IOException {
        while (true) {
            Message m = read();
            if (m.type() == wanted) {
                return m;
            }
        }
    }

    /** True when the server closed the connection (EOF) within the socket timeout. */
    public boolean closedByServer() throws IOException {
        try {
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (EOFException | java.net.SocketException e) {
            return true;
        }
    }

    /** Startup plus md5 login as a service configured with {@code auth: md5}; returns after ReadyForQuery. */
    public void loginMd5(String user, String password, String database) throws IOException {
        send(startupPacket(3 << 16, "user", user, "database", database));
        Message request = read();
        if (request.type() != 'R' || request.intAt(0) != 5) {
            throw new IllegalStateException("expected an md5 request, got " + request.type());
        }
        byte[] salt = java.util.Arrays.copyOfRange(request.body(), 4, 8);
        send(typed('p', cString(Md5Password.response(password, user, salt))));
        Message m;
        do {
            m = read();
            if (m.type() == 'E') {
                throw new IllegalStateException("login failed: " + m.fields());
            }
        } while (m.type() != 'Z');
    }

    /** Parse: statement name, query, no parameter types. */
    public static byte[] parse(String name, String sql) {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.writeBytes(cString(name));
        body.writeBytes(cString(sql));
        body.write(0);
        body.write(0);
        return typed('P', body.toByteArray());
    }

    /** Bind of the unnamed portal to a statement, no parameters, text results. */
    public static byte[] bind(String statement) {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.write(0);
        body.writeBytes(cString(statement));
        body.writeBytes(new byte[] {0, 0, 0, 0, 0, 0});
        return typed('B', body.toByteArray());
    }

    public static byte[] execute() {
        return typed('E', new byte[] {0, 0, 0, 0, 0});
    }

    public static byte[] sync() {
        return typed('S', new byte[0]);
    }

    public static byte[] describeStatement(String name) {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.write('S');
        body.writeBytes(cString(name));
        return typed('D', body.toByteArray());
    }

    public static byte[] closeStatement(String name) {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.write('S');
        body.writeBytes(cString(name));
        return typed('C', body.toByteArray());
    }

    /** Sends all messages in one write. */
    public void send(byte[]... messages) throws IOException {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        for (byte[] m : messages) {
            all.writeBytes(m);
        }
        send(all.toByteArray());
    }

    /** The types of the messages read up to and with the next ReadyForQuery, e.g. "12DCZ". */
    public String typesUntilReady(java.util.List<Message> into) throws IOException {
        StringBuilder types = new StringBuilder();
        Message m;
        do {
            m = read();
            types.append(m.type());
            if (into != null) {
                into.add(m);
            }
        } while (m.type() != 'Z');
        return types.toString();
    }

    public void query(String sql) throws IOException {
        send(typed('Q', cString(sql)));
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
