package io.pgwarden.backend;

import io.pgwarden.config.DatabaseConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who a server connection logs in as, and what its startup packet carries besides user and database.
 *
 * @param user       the backend role
 * @param password   its password (plain text; "" for trust)
 * @param parameters further startup parameters, in order (a replication connection's {@code replication}, and its
 *                   client's own settings: the connection is that client's alone)
 */
public record BackendLogin(String user, String password, Map<String, String> parameters) {

    public BackendLogin {
        if (parameters.containsKey("user") || parameters.containsKey("database")) {
            throw new IllegalArgumentException("user and database are the login's own, not further parameters");
        }
        parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** A pooled server connection: the database's own role, nothing else in the startup packet (settings come later, per client). */
    public static BackendLogin pooled(DatabaseConfig database) {
        return new BackendLogin(database.user(), database.password(), Map.of());
    }

    /**
     * A logical replication connection ({@code replication=database}) for one client: the database's
     * replication_user (else its own role) and the client's startup settings, which PostgreSQL checks itself.
     */
    public static BackendLogin logicalReplication(DatabaseConfig database, Map<String, String> clientSettings) {
        Map<String, String> parameters = new LinkedHashMap<>(clientSettings);
        parameters.put("replication", "database");
        return new BackendLogin(database.replicationRole(), database.replicationRolePassword(), parameters);
    }
}
