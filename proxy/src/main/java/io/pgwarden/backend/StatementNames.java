package io.pgwarden.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * pgwarden-wide names for prepared statements: one per distinct definition (query text and
 * parameter types) and search_path, so clients that prepare the same statement share it on every server. Clients
 * never see these names, and their own names never reach a server.
 */
public final class StatementNames {

    /** What pgwarden's statement names start with. */
    public static final String PREFIX = "pgwarden_";
    /** A name no server ever has: sent where a client names a statement it never prepared. */
    public static final String UNKNOWN = PREFIX + "unknown";
    /** Bounded, so a client generating endless distinct statements cannot exhaust memory. */
    private static final int MAX_NAMES = 100_000;

    private final ConcurrentHashMap<Definition, String> names = new ConcurrentHashMap<>();
    /**
     * Names whose plans changed result type under DDL, with PostgreSQL's error about it: clients
     * holding them must prepare again.
     */
    private final ConcurrentHashMap<String, io.pgwarden.protocol.backend.ErrorResponse> retired = new ConcurrentHashMap<>();
    private final AtomicLong next = new AtomicLong();

    /** The bytes of a definition, compared by content, and the scope its names resolve in. */
    private record Definition(byte[] bytes, String scope) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Definition d && Arrays.equals(bytes, d.bytes) && scope.equals(d.scope);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes) * 31 + scope.hashCode();
        }
    }

    /** The name of a definition prepared where names resolve as the server's defaults say. */
    public String nameFor(ByteBuf definition) {
        return nameFor(definition, "");
    }

    /**
     * The name of a definition prepared in {@code scope}: what the tables and types it names resolve
     * with (the client's search_path, "" for the server's default). PostgreSQL resolves names at Parse,
     * and a plan checked again under another search_path may resolve to other tables; so statements are
     * shared only between clients that resolve names alike.
     */
    public String nameFor(ByteBuf definition, String scope) {
        Definition key = new Definition(ByteBufUtil.getBytes(definition), scope);
        String name = names.get(key);
        if (name != null) {
            return name;
        }
        if (names.size() >= MAX_NAMES) {
            names.clear(); // statements keep their old names where already prepared; new ones get new names
            retired.clear();
        }
        return names.computeIfAbsent(key, k -> PREFIX + "s" + next.incrementAndGet());
    }

    /**
     * PostgreSQL refused to run {@code name}'s plan: its result type changed (0A000 after DDL). Its
     * definition gets a new name at the next Parse, so whoever prepares it now gets a fresh plan; a
     * client still bound to the old name is told with PostgreSQL's own {@code error} (drivers such
     * as pgjdbc recognise it by its routine and prepare again).
     */
    public void retire(String name, io.pgwarden.protocol.backend.ErrorResponse error) {
        retired.put(name, error);
        names.values().remove(name); // rare (DDL): a scan is fine
    }

    /** PostgreSQL's error for a retired name (to tell a client still bound to it), or null. */
    public io.pgwarden.protocol.backend.ErrorResponse retiredError(String name) {
        return retired.isEmpty() ? null : retired.get(name);
    }
}
