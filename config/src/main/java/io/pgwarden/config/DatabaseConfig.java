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
 * @param replicationUser     role pgwarden logs in as for a replication (CDC) client; "" for {@code user}
 * @param replicationPassword that role's password (plain text); only with {@code replicationUser}
 */
public record DatabaseConfig(
        String name,
        String backend,
        String dbname,
        String user,
        String password,
        PoolSettings pool,
        String replicationUser,
        String replicationPassword) {

    /** Without a role of its own for replication clients. */
    public DatabaseConfig(String name, String backend, String dbname, String user, String password, PoolSettings pool) {
        this(name, backend, dbname, user, password, pool, "", "");
    }

    public boolean hasReplicationUser() {
        return !replicationUser.isEmpty();
    }

    /** The role a replication connection logs in as: replication_user when set, else the database's own role. */
    public String replicationRole() {
        return hasReplicationUser() ? replicationUser : user;
    }

    /** The password of {@link #replicationRole()}. */
    public String replicationRolePassword() {
        return hasReplicationUser() ? replicationPassword : password;
    }
}
