package io.pgwarden.admin;

/** A console command that cannot run: answered with an ERROR of this SQLSTATE, the session goes on. */
final class AdminException extends Exception {

    static final String SYNTAX_ERROR = "42601";
    static final String INVALID_CATALOG_NAME = "3D000";
    /** PostgreSQL's config_file_error: a reload found an error in the file. */
    static final String CONFIG_FILE_ERROR = "F0000";

    private final String sqlState;

    AdminException(String sqlState, String message) {
        super(message);
        this.sqlState = sqlState;
    }

    String sqlState() {
        return sqlState;
    }
}
