package io.pgwarden.backend;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The named statements prepared on one server connection, least recently used first, at most
 * {@code capacity}. A strict LRU on purpose: a frequency-based cache (TinyLFU) may refuse the very
 * statement about to be bound. A statement whose plan went stale under DDL stays listed, unusable,
 * until it is closed on the way to being prepared again. Used on the server's event loop only.
 */
public final class ServerStatements {

    private final int capacity;
    private final LinkedHashMap<String, Boolean> prepared = new LinkedHashMap<>(16, 0.75f, true);

    public ServerStatements(int capacity) {
        this.capacity = capacity;
    }

    /** True when prepared here and usable; counts as a use. */
    public boolean contains(String name) {
        return prepared.get(name) == Boolean.TRUE;
    }

    /** Records {@code name} as prepared; returns the statements to close to stay within capacity. */
    public List<String> add(String name) {
        prepared.put(name, Boolean.TRUE);
        if (prepared.size() <= capacity) {
            return List.of();
        }
        List<String> evicted = new ArrayList<>(1);
        Iterator<String> oldest = prepared.keySet().iterator();
        while (prepared.size() - evicted.size() > capacity) {
            String candidate = oldest.next();
            if (!candidate.equals(name)) {
                evicted.add(candidate);
            }
        }
        evicted.forEach(prepared::remove);
        return evicted;
    }

    /** A statement that turned out not to be prepared after all (its Parse failed or was skipped). */
    public void remove(String name) {
        prepared.remove(name, Boolean.TRUE); // a stale one it was to replace is still there
    }

    /** The server says it has no such statement (26000): someone deallocated it behind pgwarden's back. */
    public void gone(String name) {
        prepared.remove(name);
    }

    /**
     * The server refused to run the statement's cached plan (0A000, "cached plan must not change
     * result type", after DDL): it still exists there, but must be closed and prepared anew.
     */
    public void markStale(String name) {
        prepared.computeIfPresent(name, (n, usable) -> Boolean.FALSE);
    }

    /** True when {@code name} was stale, and is forgotten now: the caller closes it on the server. */
    public boolean takeStale(String name) {
        return prepared.remove(name, Boolean.FALSE);
    }

    /** A stale statement's Close was skipped after an error: it is still there, still stale. */
    public void restoreStale(String name) {
        prepared.put(name, Boolean.FALSE);
    }

    /** A statement still prepared after all (its Close was skipped after an error). */
    public void restore(String name) {
        prepared.put(name, Boolean.TRUE);
    }

    public void clear() {
        prepared.clear();
    }

    public int size() {
        return prepared.size();
    }
}
