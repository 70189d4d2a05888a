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
 */
public record DatabaseConfig(
        String name,
        String backend,
        String dbname,
        String user,
        String password,
        PoolSettings pool,
        String schema,
        boolean publicSchema) {

    /** A whole physical database, no schema routing. */
    public DatabaseConfig(String name, String backend, String dbname, String user, String password, PoolSettings pool) {
        this(name, backend, dbname, user, password, pool, "", false);
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
