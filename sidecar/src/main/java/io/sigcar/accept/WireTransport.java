package io.sigcar.accept;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.TcpConfig;
import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;

/**
 * Vert.x's NIO transport, plus a {@link WireGuard} on every accepted connection of the servers
 * it runs. This is the one place a handler can see a connection's bytes before Vert.x's HTTP
 * decoder: on an h2c-enabled server Vert.x calls the connection handler only after the first
 * request head was decoded, too late to refuse that head.
 */
public final class WireTransport implements io.vertx.core.transport.Transport {

    private final io.vertx.core.transport.Transport base = io.vertx.core.transport.Transport.NIO;
    private final Supplier<ChannelHandler> guards;

    /** @param guards makes the handler for one new connection */
    public WireTransport(Supplier<ChannelHandler> guards) {
        this.guards = guards;
    }

    @Override
    public String name() {
        return base.name();
    }

    @Override
    public boolean available() {
        return base.available();
    }

    @Override
    public Throwable unavailabilityCause() {
        return base.unavailabilityCause();
    }

    @Override
    public io.vertx.core.spi.transport.Transport implementation() {
        return new Guarded(base.implementation(), guards);
    }

    /**
     * Puts the guard right after TLS (it must read plain bytes), else first. Vert.x names its TLS
     * handler "ssl" whether it is an SslHandler or an SNI handler that later replaces itself in place.
     */
    static void install(ChannelPipeline pipeline, ChannelHandler guard) {
        var tls = pipeline.context("ssl") != null ? pipeline.context("ssl") : pipeline.context(SslHandler.class);
        if (tls != null) {
            pipeline.addAfter(tls.name(), WireGuard.NAME, guard);
        } else {
            pipeline.addFirst(WireGuard.NAME, guard);
        }
    }

    /** Runs Vert.x's own child initializer first, so the guard lands in the pipeline it built. */
    @ChannelHandler.Sharable
    private static final class Initializer extends ChannelInitializer<Channel> {
        private final ChannelHandler vertx;
        private final Supplier<ChannelHandler> guards;

        Initializer(ChannelHandler vertx, Supplier<ChannelHandler> guards) {
            this.vertx = vertx;
            this.guards = guards;
        }

        @Override
        protected void initChannel(Channel ch) {
            ch.pipeline().addLast(vertx); // registered already: Vert.x's initializer runs right here
            if (ch.isOpen()) {
                install(ch.pipeline(), guards.get());
            }
        }
    }

    @SuppressWarnings("deprecation") // the SPI's datagram method names Netty's deprecated InternetProtocolFamily
    private record Guarded(io.vertx.core.spi.transport.Transport base, Supplier<ChannelHandler> guards)
            implements io.vertx.core.spi.transport.Transport {

        @Override
        public void configure(TcpConfig config, boolean domainSocket, ServerBootstrap bootstrap) {
            base.configure(config, domainSocket, bootstrap);
            bootstrap.childHandler(new Initializer(bootstrap.config().childHandler(), guards));
        }

        @Override
        public void configure(TcpConfig config, boolean domainSocket, Bootstrap bootstrap) {
            base.configure(config, domainSocket, bootstrap);
        }

        @Override
        public void configure(DatagramChannel channel, DatagramSocketOptions options) {
            base.configure(channel, options);
        }

        @Override
        public boolean supportsDomainSockets() {
            return base.supportsDomainSockets();
        }

        @Override
        public boolean supportFileRegion() {
            return base.supportFileRegion();
        }

        @Override
        public boolean isAvailable() {
            return base.isAvailable();
        }

        @Override
        public Throwable unavailabilityCause() {
            return base.unavailabilityCause();
        }

        @Override
        public java.net.SocketAddress convert(io.vertx.core.net.SocketAddress address) {
            return base.convert(address);
        }

        @Override
        public io.vertx.core.net.SocketAddress convert(java.net.SocketAddress address) {
            return base.convert(address);
        }

        @Override
        public IoHandlerFactory ioHandlerFactory() {
            return base.ioHandlerFactory();
        }

        @Override
        public EventLoopGroup eventLoopGroup(int type, int threads, ThreadFactory factory, int ioRatio) {
            return base.eventLoopGroup(type, threads, factory, ioRatio);
        }

        @Override
        public DatagramChannel datagramChannel(io.netty.channel.socket.InternetProtocolFamily family) {
            return base.datagramChannel(family);
        }

        @Override
        public ChannelFactory<? extends DatagramChannel> datagramChannelFactory() {
            return base.datagramChannelFactory();
        }

        @Override
        public ChannelFactory<? extends Channel> channelFactory(boolean domainSocket) {
            return base.channelFactory(domainSocket);
        }

        @Override
        public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
            return base.serverChannelFactory(domainSocket);
        }
    }
}
