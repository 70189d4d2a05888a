package io.pgwarden.backend;

import io.pgwarden.protocol.backend.ErrorResponse;

/** PostgreSQL refused pgwarden's login (wrong role password, too many connections, no such database...). */
public class BackendLoginException extends Exception {

    private final ErrorResponse error;

    public BackendLoginException(ErrorResponse error) {
        super("backend refused the login: " + error);
        this.error = error;
    }

    public ErrorResponse error() {
        return error;
    }
}
