package io.sigcar.forward;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.sigcar.accept.Channels;
import io.sigcar.config.SidecarConfig.Upstream;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The HTTP/1.x fast path: each client connection gets one app connection of its own, opened
 * by its first forwarded request on the client's own event loop and closed with it, as a TCP
 * proxy pairs its two sides. An HTTP/1.x client connection carries one exchange at a time, so
 * its app connection is free whenever its next request comes: no pool lease, no endpoint lookup
 * and no thread hop per request. The app side is plain Netty (HTTP/1.1 codec and one handler),
 * below Vert.x's client; the answer streams back through {@link Relay}. A request that finds
 * the connection still busy (a pipelined request dispatched as the answer before it ends) gets
 * null, and the caller sends it through the shared pool.
 */
final class AppLinks {

    private static final AttributeKey<Link> LINK = AttributeKey.valueOf("sigcar.app-link");
    /** The app's response heads: Vert.x's client limits, and reads of the relay's size. */
    private static final HttpDecoderConfig ANSWERS = new HttpDecoderConfig().setMaxInitialLineLength(4096)
            .setMaxHeaderSize(8192).setMaxChunkSize(16 * 1024);

    private final InetSocketAddress address;
    private final int connectTimeoutMillis;
    private final long timeoutNanos;
    private final Set<Link> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    AppLinks(Upstream upstream) {
        this.address = new InetSocketAddress(upstream.address().host(), upstream.address().port());
        this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, upstream.connectTimeout().toMillis());
        this.timeoutNanos = upstream.timeout().toNanos();
    }

    /**
     * Sends {@code in} over its client connection's own app connection, on that connection's
     * event loop. Null when this path cannot take it (the link is busy, the sidecar is closing,
     * the transport is not NIO): the caller uses the pool.
     *
     * @param fields adds the head's fields for the app (all but Content-Length)
     * @param relays makes the relay for the answer
     */
    Future<Integer> forward(HttpServerRequest in, Buffer body, Forwarder.Answered answered, Consumer<HttpHeaders> fields,
            BiFunction<HttpServerRequest, Relay.Source, Relay> relays) {
        Channel client = Channels.of(in.connection());
        if (closed || !(client instanceof NioSocketChannel) || !client.isOpen()) {
            return null;
        }
        Link link = client.attr(LINK).get();
        if (link == null) {
            link = new Link(client);
            client.attr(LINK).set(link);
            open.add(link);
            Link made = link;
            client.closeFuture().addListener(f -> made.close());
        }
        if (link.busy()) {
            return null;
        }
        Call call = new Call(link, in, answered);
        call.relay = relays.apply(in, call);
        link.start(call, request(in, ((BufferInternal) body).getByteBuf(), fields));
        return call.relay.future();
    }

    /** Client connections that hold an app connection (or are opening one). */
    int open() {
        return open.size();
    }

    /** Closes every app connection (the sidecar stops). */
    void close() {
        closed = true;
        for (Link link : open) {
            link.client.eventLoop().execute(link::close);
        }
    }

    /** The request the app sees: origin-form target as verified, our fields, the verified body. */
    private static DefaultFullHttpRequest request(HttpServerRequest in, ByteBuf body, Consumer<HttpHeaders> fields) {
        // The client's head passed the accept stage's checks already; what is added here is ours.
        HttpHeaders headers = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
        fields.accept(headers);
        headers.set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(in.method().name()), in.uri(), body,
                headers, EmptyHttpHeaders.INSTANCE);
    }

    /** One request at the app and its answer on the way back. */
    private static final class Call implements Relay.Source {
        private final Link link;
        private final HttpServerRequest in;
        private final Forwarder.Answered answered;
        private final long start = System.nanoTime();
        private Relay relay;
        private boolean head;
        private boolean keepAlive;

        Call(Link link, HttpServerRequest in, Forwarder.Answered answered) {
            this.link = link;
            this.in = in;
            this.answered = answered;
        }

        void head(HttpResponse response) {
            head = true;
            keepAlive = HttpUtil.isKeepAlive(response);
            int code = response.status().code();
            answered.answered(code, System.nanoTime() - start);
            HttpHeaders fields = response.headers();
            relay.head(code, response.status().reasonPhrase(), fields, fields.contains(HttpHeaderNames.CONNECTION)
                    ? fields.getAll(HttpHeaderNames.CONNECTION) : List.of(),
                    fields.contains(HttpHeaderNames.CONTENT_LENGTH));
        }

        /** The app's side failed: before the head, the client gets 502 or 504; after it, the client is cut. */
        void fail(Throwable cause) {
            if (head) {
                relay.failed(cause);
            } else {
                relay.refused(cause);
            }
        }

        @Override
        public void pause() {
            link.autoRead(this, false);
        }

        @Override
        public void resume() {
            link.autoRead(this, true);
        }

        @Override
        public void abort() {
            link.abandon(this);
        }
    }

    /** The app side of one client connection; only touched on that connection's event loop. */
    private final class Link {
        private final Channel client;
        /** Null before the first request and after the app connection ended; the next request opens another. */
        private Channel app;
        private boolean connecting;
        private Call call;
        private boolean ended;
        /** Checks the app's silence against the upstream timeout; armed while calls come, one timer per link. */
        private ScheduledFuture<?> silence;
        private long lastHeard;

        Link(Channel client) {
            this.client = client;
        }

        boolean busy() {
            return call != null || connecting;
        }

        void start(Call c, DefaultFullHttpRequest request) {
            call = c;
            if (app != null && app.isActive()) {
                send(request);
                return;
            }
            app = null; // a closing connection's last events must not reach this call
            connecting = true;
            ChannelFuture opening = new Bootstrap().group(client.eventLoop()).channel(NioSocketChannel.class)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.ALLOCATOR, client.alloc())
                    // Reads of at most 16 KiB: an answer paused behind a slow client holds a few small buffers.
                    .option(ChannelOption.RECVBUF_ALLOCATOR, new io.netty.channel.AdaptiveRecvByteBufAllocator(64, 2048,
                            16 * 1024))
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(ANSWERS, false, false), new Answers(ch));
                        }
                    })
                    .connect(address);
            opening.addListener(done -> {
                connecting = false;
                if (!done.isSuccess()) {
                    request.release();
                    finish(c).fail(done.cause());
                } else if (ended || call != c) {
                    request.release();
                    opening.channel().close();
                    if (call == c) {
                        finish(c).fail(new IOException("the client left while the app connection opened"));
                    }
                } else {
                    app = opening.channel();
                    send(request);
                }
            });
        }

        private void send(DefaultFullHttpRequest request) {
            lastHeard = System.nanoTime();
            if (silence == null) {
                silence = app.eventLoop().schedule(this::checkSilence, timeoutNanos, TimeUnit.NANOSECONDS);
            }
            app.writeAndFlush(request, app.voidPromise());
        }

        private void checkSilence() {
            silence = null;
            Call c = call;
            if (c == null) {
                return; // idle between requests: the timer is armed again by the next one
            }
            long quiet = System.nanoTime() - lastHeard;
            if (c.relay.stalled() || quiet < timeoutNanos) {
                // A stalled client is the relay's to judge (its send timeout); the app is paused by us.
                long wait = c.relay.stalled() ? timeoutNanos : timeoutNanos - quiet;
                silence = client.eventLoop().schedule(this::checkSilence, wait, TimeUnit.NANOSECONDS);
                return;
            }
            Channel a = app;
            finish(c).fail(new TimeoutException("no answer from the app in " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                    + " ms"));
            if (a != null) {
                a.close(); // its answer may still come; the connection cannot carry another
            }
        }

        /** The call is over on this link: the next request may use it. */
        private Call finish(Call c) {
            if (call == c) {
                call = null;
            }
            return c;
        }

        void autoRead(Call c, boolean on) {
            if (call == c && app != null) {
                app.config().setAutoRead(on);
            }
        }

        void abandon(Call c) {
            if (call == c) {
                call = null;
                if (app != null) {
                    app.close();
                }
            }
        }

        void close() {
            ended = true;
            open.remove(this);
            if (app != null) {
                app.close();
            }
        }

        /** The app connection's handler, after the HTTP/1.1 codec. */
        private final class Answers extends ChannelInboundHandlerAdapter {
            private final Channel channel;
            /** Inside a 1xx answer, which is not relayed (this path asks for neither 100-continue nor an upgrade). */
            private boolean informational;

            Answers(Channel channel) {
                this.channel = channel;
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                lastHeard = System.nanoTime();
                Call c = channel == app ? call : null;
                if (c == null) {
                    ReferenceCountUtil.release(msg);
                    ctx.close(); // bytes nobody asked for: the connection is out of step
                    return;
                }
                if (msg instanceof HttpObject o && o.decoderResult().isFailure()) {
                    ReferenceCountUtil.release(msg);
                    finish(c).fail(new IOException("the app's answer did not parse: " + o.decoderResult().cause()));
                    ctx.close();
                    return;
                }
                if (msg instanceof HttpResponse response) {
                    informational = response.status().code() < 200;
                    if (!informational) {
                        c.head(response);
                    }
                }
                if (msg instanceof HttpContent content) {
                    ByteBuf bytes = content.content();
                    boolean last = content instanceof LastHttpContent;
                    if (informational || !bytes.isReadable()) {
                        content.release();
                    } else {
                        c.relay.chunk(BufferInternal.safeBuffer(bytes)); // a heap copy; the pooled read is released
                    }
                    if (last) {
                        if (informational) {
                            informational = false;
                            return;
                        }
                        finish(c);
                        if (!c.keepAlive) {
                            ctx.close();
                        }
                        channel.config().setAutoRead(true);
                        c.relay.end(); // last: a pipelined request dispatched from here finds the link free
                    }
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                if (channel == app) {
                    app = null;
                    Call c = call;
                    if (c != null) {
                        finish(c).fail(new IOException("the app closed the connection"));
                    }
                }
                ctx.fireChannelInactive();
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close(); // the call in progress, if any, fails as the connection goes
            }
        }
    }
}
