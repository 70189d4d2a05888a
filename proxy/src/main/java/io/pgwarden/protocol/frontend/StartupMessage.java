package io.pgwarden.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgwarden.protocol.CStrings;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * StartupMessage: a protocol version and name/value parameters ({@code user}, {@code database},
 * {@code options}, any run-time setting).
 */
public record StartupMessage(int majorVersion, int minorVersion, Map<String, String> parameters) implements StartupPacket {

    public static final int PROTOCOL_3_0 = 3 << 16;

    public StartupMessage {
        parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    public String user() {
        return parameters.get("user");
    }

    /** The database asked for; PostgreSQL defaults it to the user name. */
    public String database() {
        String database = parameters.get("database");
        return database == null || database.isEmpty() ? user() : database;
    }

    /** Decodes the body after the version field. */
    static StartupMessage decode(int version, ByteBuf body) {
        Map<String, String> parameters = new LinkedHashMap<>();
        while (body.isReadable()) {
            String name = CStrings.read(body);
            if (name.isEmpty()) {
                break; // the list's terminator
            }
            if (!body.isReadable()) {
                throw new io.pgwarden.protocol.ProtocolException("startup parameter \"" + name + "\" has no value");
            }
            parameters.put(name, CStrings.read(body));
        }
        return new StartupMessage(version >>> 16, version & 0xffff, parameters);
    }

    /** Writes the whole packet, length first (pgwarden sends this to backends). */
    public void encode(ByteBuf out) {
        int start = out.writerIndex();
        out.writeInt(0);
        out.writeInt((majorVersion << 16) | minorVersion);
        parameters.forEach((name, value) -> {
            CStrings.write(out, name);
            CStrings.write(out, value);
        });
        out.writeByte(0);
        out.setInt(start, out.writerIndex() - start);
    }
}
