package io.pgwarden.frontend;

/** Where an authenticated client session is. */
enum ClientState {
    /** Granted, waiting for a server connection from its database's pool. */
    WAITING_FOR_SERVER,
    /** Has a server; pgwarden is applying the client's startup settings on it. */
    SETTING_UP,
    /** Login finished: messages flow both ways. */
    ACTIVE,
    /** Gone; its server (if any) was given back. */
    CLOSED
}
