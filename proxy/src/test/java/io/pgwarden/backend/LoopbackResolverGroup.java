package io.pgwarden.backend;

import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.InetNameResolver;
import io.netty.resolver.InetSocketAddressResolver;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Resolves every name to the loopback address and remembers the names it was asked for. */
final class LoopbackResolverGroup extends AddressResolverGroup<InetSocketAddress> {

    private final List<String> asked = new CopyOnWriteArrayList<>();

    List<String> asked() {
        return asked;
    }

    @Override
    protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
        return new InetSocketAddressResolver(executor, new InetNameResolver(executor) {
            @Override
            protected void doResolve(String host, Promise<InetAddress> promise) {
                asked.add(host);
                promise.setSuccess(InetAddress.getLoopbackAddress());
            }

            @Override
            protected void doResolveAll(String host, Promise<List<InetAddress>> promise) {
                asked.add(host);
                promise.setSuccess(List.of(InetAddress.getLoopbackAddress()));
            }
        });
    }
}
