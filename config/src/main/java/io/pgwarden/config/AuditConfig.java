package io.pgwarden.config;

import java.time.Duration;

/**
 * The isolation audit {@code run} repeats in the background ({@code pgwarden audit} is the same
 * audit, once, from the command line).
 *
 * @param interval time between two audits of every backend; {@link Duration#ZERO} (the default) turns
 *                 it off
 */
public record AuditConfig(Duration interval) {

    /** No {@code audit:} section: no periodic audit. */
    public static final AuditConfig OFF = new AuditConfig(Duration.ZERO);

    public boolean enabled() {
        return !interval.isZero();
    }
}
