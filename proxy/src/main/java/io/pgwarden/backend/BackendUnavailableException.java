package io.pgwarden.backend;

/** The backend could not be reached, or did not finish the login in time. */
public class BackendUnavailableException extends Exception {

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
