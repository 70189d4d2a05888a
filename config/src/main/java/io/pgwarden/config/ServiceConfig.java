package io.pgwarden.config;

import java.util.List;

/**
 * A client identity: the user name a service sends, how it proves it, and what it may open.
 *
 * @param name      the user name clients send
 * @param password  a SCRAM-SHA-256 verifier ({@code SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>}),
 *                  an md5 hash ({@code md5<32 hex>}, md5 auth only) or a plain password
 * @param auth      the method pgwarden asks this service for
 * @param databases logical databases it is granted, in file order
 * @param maxConnections client connections this service may hold at once, over all its databases (0: no limit)
 * @param replication    it may open logical replication connections ({@code replication=database}) to its databases
 */
public record ServiceConfig(String name, String password, AuthMethod auth, List<String> databases, int maxConnections,
                            boolean replication) {

    public ServiceConfig {
        databases = List.copyOf(databases);
    }

    /** Without replication. */
    public ServiceConfig(String name, String password, AuthMethod auth, List<String> databases, int maxConnections) {
        this(name, password, auth, databases, maxConnections, false);
    }

    /** Without a client-connection quota. */
    public ServiceConfig(String name, String password, AuthMethod auth, List<String> databases) {
        this(name, password, auth, databases, 0);
    }

    public boolean isGranted(String database) {
        return databases.contains(database);
    }
}
