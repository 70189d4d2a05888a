package io.pgwarden.provision;

import java.util.List;

/** What one provisioning run changed, in the order it changed it. Empty when all was in place. */
public record ProvisionReport(List<Change> changes) {

    public ProvisionReport {
        changes = List.copyOf(changes);
    }

    public boolean isEmpty() {
        return changes.isEmpty();
    }

    /** The descriptions alone, e.g. {@code created database orders_db owned by orders_owner}. */
    public List<String> descriptions() {
        return changes.stream().map(Change::description).toList();
    }
}
