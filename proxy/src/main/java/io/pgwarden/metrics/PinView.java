package io.pgwarden.metrics;

import java.util.List;

/** The pinned clients of one database (transaction mode), by reason, as the gauges and counters read them. Any thread. */
public interface PinView {

    /** The reasons a client can be pinned for, as labels. */
    List<String> pinReasons();

    /** Clients pinned now, whatever the reasons: each holds one server connection. */
    int pinnedClients();

    /** Clients pinned now for {@code reason}. */
    int pinnedClients(String reason);

    /** Times a client was pinned for {@code reason}. */
    long pinsTotal(String reason);
}
