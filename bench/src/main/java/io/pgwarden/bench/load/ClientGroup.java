package io.pgwarden.bench.load;

/**
 * {@code clients} simulated clients, each a thread repeating {@code template} on connections
 * from {@code source}. One group per database (or per database and role, e.g. noisy and calm).
 */
public record ClientGroup(String name, ConnectionSource source, int clients, TransactionTemplate template) {

    public ClientGroup {
        if (clients < 1) {
            throw new IllegalArgumentException("clients must be at least 1, was " + clients);
        }
    }
}
