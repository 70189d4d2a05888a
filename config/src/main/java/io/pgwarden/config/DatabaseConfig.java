package io.pgwarden.config;

/**
 * A logical database: the name clients ask for, and where it really lives.
 *
 * @param name         the name clients put in their connection URL
 * @param backend      name of the {@link BackendConfig} that holds it
 * @param dbname       physical database on that backend (defaults to {@code name})
 * @param user         backend role pgwarden logs in as
 * @param password     that role's password (plain text: pgwarden must answer SCRAM/md5 with it); may be empty for trust
 * @param pool         pool settings, already merged: built-in defaults, then {@code pool:}, then this database's keys
 * @param schema       the one schema of {@code dbname} this logical database is; "" for none (the database as it is)
 * @param publicSchema with a schema: clients also see {@code public} (after the schema on their search_path)
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
        String schema,
        boolean publicSchema,
        String replicationUser,
        String replicationPassword) {

    /** A whole physical database, no schema routing. */
    public DatabaseConfig(String name, String backend, String dbname, String user, String password, PoolSettings pool) {
        this(name, backend, dbname, user, password, pool, "", false);
    }

    /** Without a role of its own for replication clients. */
    public DatabaseConfig(String name, String backend, String dbname, String user, String password, PoolSettings pool,
                          String schema, boolean publicSchema) {
        this(name, backend, dbname, user, password, pool, schema, publicSchema, "", "");
    }

    /** This database with its servers at {@code backend}/{@code dbname}: where a moving pool still connects. */
    public DatabaseConfig at(String backend, String dbname) {
        return new DatabaseConfig(name, backend, dbname, user, password, pool, schema, publicSchema, replicationUser,
                replicationPassword);
    }

    /** Whether its servers are at the same backend and dbname as {@code other}'s. */
    public boolean sameLocation(DatabaseConfig other) {
        return backend.equals(other.backend) && dbname.equals(other.dbname);
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

    public boolean hasSchema() {
        return !schema.isEmpty();
    }

    /**
     * The search_path its clients start with: the schema (quoted where PostgreSQL would not read it
     * back as written), then {@code public} if asked for; "" without a schema.
     */
    public String searchPath() {
        if (!hasSchema()) {
            return "";
        }
        String quoted = schema.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')
                ? schema : '"' + schema.replace("\"", "\"\"") + '"';
        return publicSchema ? quoted + ", public" : quoted;
    }
}
