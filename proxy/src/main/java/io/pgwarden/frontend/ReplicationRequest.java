package io.pgwarden.frontend;

import java.util.Locale;

/**
 * What the {@code replication} startup parameter asks for, read as PostgreSQL reads it
 * ({@code database}, or a boolean in parse_bool's spellings: any prefix of true/false/yes/no, on, off, 1, 0).
 */
enum ReplicationRequest {
    /** Absent or false: an ordinary session. */
    NONE,
    /** {@code replication=database}: a logical replication (walsender) connection to one database, as CDC tools open. */
    LOGICAL,
    /** {@code replication=true}: physical replication (pg_basebackup, standbys), which pgwarden does not carry. */
    PHYSICAL;

    /** @throws IllegalArgumentException with PostgreSQL's words when the value is none of these */
    static ReplicationRequest of(String value) {
        if (value == null) {
            return NONE;
        }
        if (value.equals("database")) {
            return LOGICAL;
        }
        String lower = value.toLowerCase(Locale.ROOT);
        if (isPrefixOf(lower, "true", 1) || isPrefixOf(lower, "yes", 1) || isPrefixOf(lower, "on", 2) || lower.equals("1")) {
            return PHYSICAL;
        }
        if (isPrefixOf(lower, "false", 1) || isPrefixOf(lower, "no", 1) || isPrefixOf(lower, "off", 2) || lower.equals("0")) {
            return NONE;
        }
        throw new IllegalArgumentException("invalid value for parameter \"replication\": \"" + value + "\"");
    }

    /** parse_bool: at least {@code minimum} characters of {@code word} ("o" alone is neither on nor off). */
    private static boolean isPrefixOf(String value, String word, int minimum) {
        return value.length() >= minimum && word.startsWith(value);
    }
}
