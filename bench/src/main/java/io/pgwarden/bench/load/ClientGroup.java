package io.pgwarden.bench.load;

/**
 * {@code clients} simulated clients, each a thread repeating {@code template} on connections
 * from {@code source}. One group per database (or per database and role, e.g. noisy and calm).
 * With {@code ratePerClient} 0 each client runs its transactions back to back (a closed loop);
 * otherwise each starts one every 1/rate seconds on a fixed schedule (from its first successful
 * transaction on, which also opens its connection), and a transaction's latency counts from when it
 * was due, so a stall also counts against the transactions it delayed.
 */
public record ClientGroup(String name, ConnectionSource source, int clients, TransactionTemplate template,
                          double ratePerClient) {

    public ClientGroup {
        if (clients < 1) {
            throw new IllegalArgumentException("clients must be at least 1, was " + clients);
        }
        if (ratePerClient < 0) {
            throw new IllegalArgumentException("ratePerClient must not be negative, was " + ratePerClient);
        }
    }

    /** A closed loop: each client runs its transactions back to back. */
    public ClientGroup(String name, ConnectionSource source, int clients, TransactionTemplate template) {
        this(name, source, clients, template, 0);
    }

    public boolean paced() {
        return ratePerClient > 0;
    }
}
