package io.pgwarden.admin;

import io.pgwarden.config.PgwardenConfig;
import io.pgwarden.protocol.SqlState;
import io.pgwarden.protocol.backend.ErrorResponse;
import java.util.Optional;

/**
 * Who may open the admin console: the services listed under {@code admin_services:}, after they
 * have authenticated like any client. Anyone else gets the answer a database not granted gets.
 */
public final class AdminAccess {

    private AdminAccess() {
    }

    /** Whether the database a client asked for is the admin console. */
    public static boolean isAdminDatabase(String database) {
        return PgwardenConfig.ADMIN_DATABASE.equals(database);
    }

    /**
     * Empty when {@code service} may open the console; otherwise the FATAL 42501 to send before
     * closing the connection.
     */
    public static Optional<ErrorResponse> check(PgwardenConfig config, String service) {
        if (config.isAdminService(service)) {
            return Optional.empty();
        }
        return Optional.of(ErrorResponse.of("FATAL", SqlState.INSUFFICIENT_PRIVILEGE,
                "permission denied for database \"" + PgwardenConfig.ADMIN_DATABASE + "\"",
                "Service \"" + service + "\" is not listed under admin_services."));
    }
}
