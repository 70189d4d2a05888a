package io.pgwarden.backend;

import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.pgwarden.Transport;

import java.net.InetSocketAddress;

/**
 * Resolves backend host names for server and cancel connections without blocking an event loop.
 * Netty's default, the JDK's {@code InetAddress} lookup, holds the event loop (and every client
 * on it) for as long as a name server takes to answer. This is Netty's DNS resolver instead: an IP
 * literal is taken as it is, a name in {@code /etc/hosts} ({@code localhost}) is answered from the
 * file, and anything else is asked of the name servers of {@code /etc/resolv.conf} over UDP, on
 * the event loop of the connection that needs the answer. Answers are cached for their TTL.
 *
 * <p>One group per pgwarden (it keeps a resolver, with its socket and cache, per event loop),
 * closed with it.
 */
public final class HostResolver {

    /** Netty's default: a name server that does not answer within this is given up on (or the next one tried). */
    static final long QUERY_TIMEOUT_MILLIS = 5000;

    private HostResolver() {
    }

    /** Asks the system's name servers. */
    public static AddressResolverGroup<InetSocketAddress> dns(Transport transport) {
        return dns(transport, DnsServerAddressStreamProviders.platformDefault(), QUERY_TIMEOUT_MILLIS);
    }

    /** For tests: asks {@code nameServers}, giving each query {@code queryTimeoutMillis}. */
    static AddressResolverGroup<InetSocketAddress> dns(Transport transport, DnsServerAddressStreamProvider nameServers,
                                                        long queryTimeoutMillis) {
        return new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelType(transport.datagramChannelClass())
                .socketChannelType(transport.socketChannelClass()) // for answers too long for UDP
                .nameServerProvider(nameServers)
                .queryTimeoutMillis(queryTimeoutMillis));
    }
}
