package io.pgwarden.metrics;

import java.util.Set;

/**
 * Label values come only from names in the config: anything else a client sends (a database or
 * user name nobody configured) becomes {@code unknown}, so a client cannot add time series.
 */
final class LabelGuard {

    private final Set<String> known;

    LabelGuard(Set<String> known) {
        this.known = Set.copyOf(known);
    }

    Set<String> known() {
        return known;
    }

    String label(String name) {
        return name != null && known.contains(name) ? name : Labels.UNKNOWN;
    }
}
