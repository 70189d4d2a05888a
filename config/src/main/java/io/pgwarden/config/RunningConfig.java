package io.pgwarden.config;

import java.util.function.Supplier;

/**
 * The config in force now. Logins, the pools and the admin console read it; a reload replaces it
 * in one volatile write, so a reader sees the old file or the new one, never a mix. The forwarding
 * path never reads it: a client keeps what it was given at login.
 */
public final class RunningConfig implements Supplier<PgwardenConfig> {

    private volatile PgwardenConfig current;

    public RunningConfig(PgwardenConfig initial) {
        this.current = initial;
    }

    @Override
    public PgwardenConfig get() {
        return current;
    }

    /** Only the reload (one thread at a time) calls this. */
    public void set(PgwardenConfig next) {
        current = next;
    }
}
