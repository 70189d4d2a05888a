package io.pgwarden.audit;

/** How bad a finding is. {@code pgwarden audit} exits 1 when any finding is {@link #HIGH}. */
public enum Severity {

    /** A way into another service's data, or pgwarden's own roles out of place: fix now. */
    HIGH,
    /** Data can leave a service's database, or an admin works beside pgwarden: look at it. */
    MEDIUM,
    /** A capability that could be used to cross services, unused so far. */
    LOW;

    /** The spelling in the table, the JSON and the metric's {@code severity} label. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
