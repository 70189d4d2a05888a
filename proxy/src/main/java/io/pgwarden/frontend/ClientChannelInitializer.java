package io.pgwarden.frontend;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.pgwarden.protocol.frontend.StartupPacketDecoder;

/** Sets up each accepted client connection for its startup phase (see {@link ClientPipeline}). */
public final class ClientChannelInitializer extends ChannelInitializer<SocketChannel> {

    private final FrontendContext context;
    private final ChannelGroup clients;

    public ClientChannelInitializer(FrontendContext context, ChannelGroup clients) {
        this.context = context;
        this.clients = clients;
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        clients.add(channel);
        StartupPacketDecoder startupDecoder = new StartupPacketDecoder();
        channel.pipeline()
                .addLast(ClientPipeline.DIRECT_TLS, new DirectTlsDetector(context.tls()))
                .addLast(ClientPipeline.STARTUP, startupDecoder)
                .addLast(ClientPipeline.HANDSHAKE, new StartupHandler(context, startupDecoder));
    }
}
