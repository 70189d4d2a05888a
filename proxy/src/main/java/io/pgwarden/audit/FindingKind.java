package io.pgwarden.audit;

import java.util.Locale;

/**
 * What a finding is about: a closed set, so it can be a metric label. Each kind says once why it
 * matters; the finding itself says what was found and how to fix it.
 */
public enum FindingKind {

    // who can CONNECT to a service's database
    PUBLIC_CONNECT("every role of the instance can connect to this database, not only pgwarden's"),
    CONNECT_GRANT("a role pgwarden does not use for this database can connect to it directly, outside pgwarden's grants"),
    // roles that reach more than one service's database
    SUPERUSER("a superuser reads and changes every database of the instance"),
    ALL_DATA("pg_read_all_data / pg_write_all_data reach every table of every database the role can connect to"),
    MEMBERSHIP("the member can use (or SET ROLE to) pgwarden's role of another service, and so its database"),
    SHARED_ROLE("one set of credentials opens several services' databases: one leak exposes them all"),
    // sessions
    BYPASS_SESSION("a session in a service's database that did not come through pgwarden: no grant check, no pool, no metrics"),
    // objects shared across databases
    FOREIGN_SERVER("a foreign server lets this database read another service's database"),
    EXTENSION("dblink / postgres_fdw can open connections from this database to any other"),
    PUBLICATION("a publication lets a subscriber copy this database's tables out, outside pgwarden"),
    SUBSCRIPTION("a subscription copies a service's tables into another database"),
    REPLICATION_SLOT("whoever consumes a logical replication slot receives every change of this database, outside pgwarden"),
    SCHEMA_GRANT("in a database several services share, another service's role (or PUBLIC) can use this service's schema"),
    // drift from what pgwarden's config (and provision) say
    ROLE_MISSING("pgwarden cannot log in to the database: the role it is configured with does not exist"),
    ROLE_CANNOT_LOGIN("pgwarden cannot log in to the database: its configured role has NOLOGIN"),
    DATABASE_MISSING("the configured database does not exist on the backend"),
    OWNER_DRIFT("the database is owned by another role than the one pgwarden's config names"),
    PASSWORD_DRIFT("pgwarden cannot log in to the database: its role's password is not the one in pgwarden's config"),
    CONNECT_MISSING("a role pgwarden is configured to use for this database cannot connect to it"),
    // the audit itself
    AUDIT_FAILED("the backend could not be audited: its isolation is unknown");

    private final String why;

    FindingKind(String why) {
        this.why = why;
    }

    /** Why it matters, one sentence. */
    public String why() {
        return why;
    }

    /** The spelling in the table, the JSON and the metric's {@code kind} label. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
