package io.pgwarden.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * pgwarden-wide names for prepared statements: one per distinct definition (query text and
 * parameter types), so clients that prepare the same statement share it on every server. Clients
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
    private final AtomicLong next = new AtomicLong();

    /** The bytes of a definition, compared by content. */
    private record Definition(byte[] bytes) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Definition d && Arrays.equals(bytes, d.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    public String nameFor(ByteBuf definition) {
        Definition key = new Definition(ByteBufUtil.getBytes(definition));
        String name = names.get(key);
        if (name != null) {
            return name;
        }
        if (names.size() >= MAX_NAMES) {
            names.clear(); // statements keep their old names where already prepared; new ones get new names
        }
        return names.computeIfAbsent(key, k -> PREFIX + "s" + next.incrementAndGet());
    }
}
