package io.pgwarden.frontend;

import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetAddress;

/**
 * One connection's login, from accept to authentication: the timeout that bounds it and its place
 * in the {@link PendingLogins} books. Ended once, by whichever comes first: authentication or the
 * close. Owned by the connection's event loop.
 */
final class PendingLogin {

    private final PendingLogins books;
    private final InetAddress address;
    private final ScheduledFuture<?> timeout;
    private boolean ended;

    PendingLogin(PendingLogins books, InetAddress address, ScheduledFuture<?> timeout) {
        this.books = books;
        this.address = address;
        this.timeout = timeout;
    }

    /** The login is over (the client authenticated, or the connection closed): its slot is free. */
    void end() {
        if (ended) {
            return;
        }
        ended = true;
        timeout.cancel(false);
        books.leave(address);
    }
}
