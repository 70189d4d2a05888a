package io.pgwarden.admin;

import io.pgwarden.config.PgwardenConfig;

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

    /** Whether {@code service} may open the console; anyone else is refused as for any database not granted. */
    public static boolean mayOpen(PgwardenConfig config, String service) {
        return config.isAdminService(service);
    }
}
