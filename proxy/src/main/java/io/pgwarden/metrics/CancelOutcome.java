package io.pgwarden.metrics;

/** The {@code result} label of {@code pgwarden_cancel_requests_total}: what became of a CancelRequest. */
public enum CancelOutcome {
    /** A key this replica issued, from its client or forwarded by a peer: sent on to the client's query, if one runs. */
    LOCAL("local"),
    /** Another replica's key: forwarded to the peers. */
    FORWARDED("forwarded"),
    /** A key that claims to be this replica's but no client holds: forged, or its client has gone. Dropped unanswered. */
    UNKNOWN_KEY("unknown_key"),
    /** A peer forwarded another replica's key (every peer gets each forwarded cancel): dropped, never forwarded again. */
    NOT_MINE("not_mine"),
    /** Another replica's key, but no peer is known or too many forwards are in flight: dropped. */
    FORWARD_DROPPED("forward_dropped");

    private final String label;

    CancelOutcome(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
