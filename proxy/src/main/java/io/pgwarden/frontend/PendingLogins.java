package io.pgwarden.frontend;

import io.pgwarden.config.LimitsConfig;
import io.pgwarden.metrics.LoginRefusal;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The books of connections accepted and not yet authenticated, over all and per source address,
 * against {@code limits.max_pending_logins} and {@code limits.max_pending_logins_per_address}
 * (0: no limit). Without them, connections that never log in hold a file descriptor each for the
 * whole login timeout, and enough of them leave none for anyone else.
 *
 * <p>Every event loop accepts clients, so the books are shared: each method is one short
 * synchronized step, taken once when a connection is accepted and once when its login ends.
 */
public final class PendingLogins {

    /** Why a connection is refused, and how many have been refused so far (to log one line in many). */
    public record Refusal(LoginRefusal limit, long refusedSoFar) {
    }

    private final int maxTotal;
    private final int maxPerAddress;
    private final Map<InetAddress, Integer> byAddress = new HashMap<>();
    private int total;
    private long refused;

    public PendingLogins(LimitsConfig limits) {
        this.maxTotal = limits.maxPendingLogins();
        this.maxPerAddress = limits.maxPendingLoginsPerAddress();
    }

    /** Counts a new connection from {@code address} in; empty when it may log in, else why not (nothing is counted then). */
    public synchronized Optional<Refusal> enter(InetAddress address) {
        int fromAddress = byAddress.getOrDefault(address, 0);
        LoginRefusal over = maxTotal > 0 && total >= maxTotal ? LoginRefusal.MAX_PENDING_LOGINS
                : maxPerAddress > 0 && fromAddress >= maxPerAddress ? LoginRefusal.MAX_PENDING_LOGINS_PER_ADDRESS
                : null;
        if (over != null) {
            return Optional.of(new Refusal(over, ++refused));
        }
        total++;
        byAddress.put(address, fromAddress + 1);
        return Optional.empty();
    }

    /** A connection counted in by {@link #enter} authenticated or closed. */
    public synchronized void leave(InetAddress address) {
        total--;
        byAddress.computeIfPresent(address, (a, count) -> count == 1 ? null : count - 1);
    }

    /** Logins pending now. */
    public synchronized int total() {
        return total;
    }

    /** Logins pending now from {@code address}. */
    public synchronized int from(InetAddress address) {
        return byAddress.getOrDefault(address, 0);
    }
}
