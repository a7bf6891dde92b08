package io.sigcar.accept.wire;

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
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;

/**
 * Vert.x's NIO transport, plus the {@link Wire} guards on every accepted connection of the servers
 * it runs, and buffer sizes that bound what a stalled answer holds ({@link #CLIENT_WRITE_HIGH}).
 * This is the one place a handler can see a connection's bytes before Vert.x's HTTP decoder: on an h2c-enabled server Vert.x calls the connection handler only after the first
 * request head was decoded, too late to refuse that head.
 */
public final class WireTransport implements io.vertx.core.transport.Transport {

    /**
     * Bytes queued for a client before its connection counts as unwritable. With the read size
     * below, this bounds what one answer stalled by a slow reader holds: measured with 200 readers
     * of 4 MiB answers, about 120 KiB each, against about 410 KiB with Netty's defaults.
     */
    private static final int CLIENT_WRITE_HIGH = 32 * 1024;
    /**
     * The largest single read from the app, and the largest piece a request is written to it in.
     * With the image's 64 MiB heap Netty's allocator runs in low-memory mode, where a buffer over
     * its largest size class (16,896 B) is not pooled: a fresh direct buffer, zeroed and freed.
     * (Capping client reads at this size too was measured on 2026-12-03: faster at 16 KiB bodies,
     * slower at 256 KiB, and the heap grew to its maximum; not kept.)
     */
    public static final int READ_MAX = 16 * 1024;

    private final io.vertx.core.transport.Transport base = io.vertx.core.transport.Transport.NIO;
    private final Function<Channel, List<ChannelHandler>> guards;

    /** @param guards makes the handlers for one new connection, in pipeline order (none for a connection that gets none) */
    public WireTransport(Function<Channel, List<ChannelHandler>> guards) {
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
     * Puts the guards right after TLS (they must read plain bytes), else first, in their order.
     * Vert.x names its TLS handler "ssl" whether it is an SslHandler or an SNI handler that later
     * replaces itself in place.
     */
    static void install(ChannelPipeline pipeline, List<ChannelHandler> guards) {
        var tls = pipeline.context("ssl") != null ? pipeline.context("ssl") : pipeline.context(SslHandler.class);
        String after = tls != null ? tls.name() : null;
        for (ChannelHandler guard : guards) {
            if (after == null) {
                pipeline.addFirst(guard);
            } else {
                pipeline.addAfter(after, null, guard);
            }
            var added = pipeline.context(guard);
            after = added != null ? added.name() : after; // a guard with nothing left to do removes itself
        }
    }

    /** Runs Vert.x's own child initializer first, so the guard lands in the pipeline it built. */
    @ChannelHandler.Sharable
    private static final class Initializer extends ChannelInitializer<Channel> {
        private final ChannelHandler vertx;
        private final Function<Channel, List<ChannelHandler>> guards;

        Initializer(ChannelHandler vertx, Function<Channel, List<ChannelHandler>> guards) {
            this.vertx = vertx;
            this.guards = guards;
        }

        @Override
        protected void initChannel(Channel ch) {
            ch.pipeline().addLast(vertx); // registered already: Vert.x's initializer runs right here
            if (ch.isOpen()) {
                install(ch.pipeline(), guards.apply(ch));
            }
        }
    }

    @SuppressWarnings("deprecation") // the SPI's datagram method names Netty's deprecated InternetProtocolFamily
    private record Guarded(io.vertx.core.spi.transport.Transport base, Function<Channel, List<ChannelHandler>> guards)
            implements io.vertx.core.spi.transport.Transport {

        @Override
        public void configure(TcpConfig config, boolean domainSocket, ServerBootstrap bootstrap) {
            base.configure(config, domainSocket, bootstrap);
            bootstrap.childHandler(new Initializer(bootstrap.config().childHandler(), guards));
            // Client connections: the relay pauses the app once this much waits for the client (Netty's
            // default is 64 KiB); the kernel's send buffer is in front of it anyway.
            bootstrap.childOption(io.netty.channel.ChannelOption.WRITE_BUFFER_WATER_MARK,
                    new io.netty.channel.WriteBufferWaterMark(CLIENT_WRITE_HIGH / 2, CLIENT_WRITE_HIGH));
        }

        @Override
        public void configure(TcpConfig config, boolean domainSocket, Bootstrap bootstrap) {
            base.configure(config, domainSocket, bootstrap);
            // Connections to the app: reads of at most 16 KiB (Netty's default grows to 64 KiB), so an
            // answer paused behind a slow client holds a few small buffers rather than several large ones.
            bootstrap.option(io.netty.channel.ChannelOption.RCVBUF_ALLOCATOR,
                    new io.netty.channel.AdaptiveRecvByteBufAllocator(64, 2048, READ_MAX));
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
