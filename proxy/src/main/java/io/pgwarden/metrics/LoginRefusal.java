package io.pgwarden.metrics;

/**
 * The {@code limit} label of {@code pgwarden_logins_refused_total}: which cap on connections not yet
 * authenticated a new connection would have passed.
 */
public enum LoginRefusal {
    /** limits.max_pending_logins: too many logins pending over all. */
    MAX_PENDING_LOGINS("max_pending_logins"),
    /** limits.max_pending_logins_per_address: too many pending from the connection's source address. */
    MAX_PENDING_LOGINS_PER_ADDRESS("max_pending_logins_per_address");

    private final String label;

    LoginRefusal(String label) {
        this.label = label;
    }

    /** The label value, also the key under {@code limits:}. */
    public String label() {
        return label;
    }
}
