package io.pgwarden.frontend;

import io.pgwarden.backend.BackendCanceller;
import io.pgwarden.backend.StatementNames;
import io.pgwarden.pool.Pools;
import io.pgwarden.routing.AccessPolicy;

/**
 * What every client connection's handlers share: built once by {@link io.pgwarden.Pgwarden}.
 * {@code running} is the config in force, replaced by a reload: read it at login, never per message.
 */
public record FrontendContext(
        io.pgwarden.config.RunningConfig running,
        io.pgwarden.metrics.PgwardenMetrics metrics,
        io.pgwarden.admin.AdminConsole console,
        AccessPolicy access,
        ClientQuotas quotas,
        PendingLogins pendingLogins,
        FailedLogins failedLogins,
        ServiceCredentials credentials,
        Pools pools,
        CancelRegistry cancels,
        BackendCanceller canceller,
        StatementNames statementNames,
        java.util.concurrent.atomic.AtomicLong clientIds,
        io.pgwarden.tls.ClientTls tls,
        LoginAnswers loginAnswers) {

    /** The config in force now. */
    public io.pgwarden.config.PgwardenConfig config() {
        return running.get();
    }
}
