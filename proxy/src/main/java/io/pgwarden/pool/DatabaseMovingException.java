package io.pgwarden.pool;

/** The database is moving to another backend or dbname (a reload): a replication client cannot start now. */
public class DatabaseMovingException extends Exception {

    public DatabaseMovingException(String message) {
        super(message, null, false, false);
    }
}
