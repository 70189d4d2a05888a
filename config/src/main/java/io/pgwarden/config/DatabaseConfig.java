package io.pgwarden.config;

/**
 * A logical database: the name clients ask for, and where it really lives.
 *
 * @param name     the name clients put in their connection URL
 * @param backend  name of the {@link BackendConfig} that holds it
 * @param dbname   physical database on that backend (defaults to {@code name})
 * @param user     backend role pgwarden logs in as
 * @param password that role's password (plain text: pgwarden must answer SCRAM/md5 with it); may be empty for trust
 * @param pool     pool settings, already merged: built-in defaults, then {@code pool:}, then this database's keys
 */
public record DatabaseConfig(
        String name,
        String backend,
        String dbname,
        String user,
        String password,
        PoolSettings pool) {
}
