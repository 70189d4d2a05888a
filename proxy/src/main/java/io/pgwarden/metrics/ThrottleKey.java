package io.pgwarden.metrics;

/** The {@code key} label of {@code pgwarden_login_throttle_episodes_total}: what failed logins were counted by. */
public enum ThrottleKey {
    /** The service name a client sent, known or not. */
    SERVICE("service"),
    /** The client's source IP address. */
    ADDRESS("address");

    private final String label;

    ThrottleKey(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
