package io.pgwarden.backend;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The named statements prepared on one server connection, least recently used first, at most
 * {@code capacity}. A strict LRU on purpose: a frequency-based cache (TinyLFU) may refuse the very
 * statement about to be bound. Used on the server's event loop only.
 */
public final class ServerStatements {

    private final int capacity;
    private final LinkedHashMap<String, Boolean> prepared = new LinkedHashMap<>(16, 0.75f, true);

    public ServerStatements(int capacity) {
        this.capacity = capacity;
    }

    /** True when prepared here; counts as a use. */
    public boolean contains(String name) {
        return prepared.get(name) != null;
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
        prepared.remove(name);
    }

    /** The server says it has no such statement (26000): someone deallocated it behind pgwarden's back. */
    public void gone(String name) {
        prepared.remove(name);
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
