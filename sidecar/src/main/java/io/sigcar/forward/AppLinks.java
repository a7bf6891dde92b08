package io.sigcar.forward;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.FastThreadLocal;
import io.sigcar.accept.Channels;
import io.sigcar.accept.wire.WireTransport;
import io.sigcar.config.SidecarConfig.Upstream;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The HTTP/1.x fast path to the app: plain Netty connections (one handler, which reads answers
 * with {@link AnswerParser}) on the client connection's own event loop, below Vert.x's client. A
 * request's head and body are written as one buffer, field by field, with no header map and no
 * encoder; an answer's head is read into two arrays and relayed from them. Each event loop keeps the
 * app connections it opened: a request takes an idle one (the last one given back, so a busy
 * loop reuses a warm few) or opens one, and gives it back when its answer has ended, as nginx's
 * upstream keep-alive cache does. No pool lease, endpoint lookup, future or thread hop per
 * request, and the app connections follow the requests in flight, not the clients: an idle
 * keep-alive client holds none. The answer streams back through {@link Relay}.
 */
final class AppLinks {

    /** Room for a usual request head beside the body; a larger head grows the buffer once or twice. */
    private static final int HEAD_ROOM = 1024;
    /** The largest buffer the request is written in (the allocator's pooled sizes end just above). */
    private static final int PIECE = WireTransport.READ_MAX;
    private static final byte[] VERSION_LINE_END = " HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] COLON_SPACE = {':', ' '};
    private static final byte[] CRLF = {'\r', '\n'};

    private final InetSocketAddress address;
    private final int connectTimeoutMillis;
    private final long timeoutNanos;
    /** Idle connections kept per event loop; more are closed when given back. */
    private final int keepIdle;
    /** Each event loop's idle connections, most recently used last; only touched on that loop. */
    private final FastThreadLocal<ArrayDeque<Conn>> idle = new FastThreadLocal<>() {
        @Override
        protected ArrayDeque<Conn> initialValue() {
            return new ArrayDeque<>();
        }
    };
    private final Set<Conn> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    AppLinks(Upstream upstream) {
        this.address = new InetSocketAddress(upstream.address().host(), upstream.address().port());
        this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, upstream.connectTimeout().toMillis());
        this.timeoutNanos = upstream.timeout().toNanos();
        this.keepIdle = upstream.pool();
    }

    /**
     * Sends {@code in} to the app on its client connection's event loop (the caller's). Null
     * when this path cannot take it (the sidecar is closing, the transport is not NIO): the
     * caller uses Vert.x's pool.
     *
     * @param fields writes the head's fields for the app (all but Content-Length) into the sink it is given
     * @param relays makes the relay for the answer
     */
    Future<Integer> forward(HttpServerRequest in, Buffer body, Forwarder.Answered answered,
            Consumer<BiConsumer<String, String>> fields, BiFunction<HttpServerRequest, Relay.Source, Relay> relays) {
        Channel client = Channels.of(in.connection());
        if (closed || !(client instanceof NioSocketChannel) || !client.isOpen()) {
            return null;
        }
        Call call = new Call(client, answered, in.method() == io.vertx.core.http.HttpMethod.HEAD);
        call.relay = relays.apply(in, call);
        ByteBuf request = request(client.alloc(), in, ((BufferInternal) body).getByteBuf(), fields);
        Conn conn = takeIdle();
        if (conn != null) {
            conn.start(call, request);
        } else {
            connect(client.eventLoop(), call, request);
        }
        return call.relay.future();
    }

    /** App connections open on this path, busy or idle. */
    int open() {
        return open.size();
    }

    /** Closes every app connection (the sidecar stops). */
    void close() {
        closed = true;
        for (Conn conn : open) {
            conn.channel.close();
        }
    }

    /**
     * The request the app sees, head and body in one buffer (or, over 16 KiB, the head and pooled
     * pieces of the body, written together): the origin-form target as verified,
     * the fields {@code fields} writes, the body's length and the verified body. The bytes are the
     * ones Netty's request encoder wrote for the same message (the target as UTF-8, fields as
     * ISO-8859-1); the client's head passed the accept stage's checks already.
     */
    static ByteBuf request(ByteBufAllocator alloc, HttpServerRequest in, ByteBuf body,
            Consumer<BiConsumer<String, String>> fields) {
        int length = body.readableBytes();
        boolean together = HEAD_ROOM + length <= PIECE;
        ByteBuf out = alloc.directBuffer(together ? HEAD_ROOM + length : HEAD_ROOM);
        out.writeCharSequence(in.method().name(), StandardCharsets.US_ASCII);
        out.writeByte(' ');
        out.writeBytes(in.uri().getBytes(StandardCharsets.UTF_8));
        out.writeBytes(VERSION_LINE_END);
        fields.accept((name, value) -> field(out, name, value));
        field(out, "content-length", Integer.toString(length));
        out.writeBytes(CRLF);
        if (together) {
            return out.writeBytes(body, body.readerIndex(), length);
        }
        // A larger body goes in pooled pieces, written with one gathering write: one buffer of
        // head and body would be over the allocator's largest pooled size, so fresh, zeroed
        // and freed per request (see WireTransport.READ_MAX).
        CompositeByteBuf pieces = alloc.compositeDirectBuffer(2 + length / PIECE);
        pieces.addComponent(true, out);
        for (int at = body.readerIndex(), end = at + length; at < end; at += PIECE) {
            int n = Math.min(PIECE, end - at);
            pieces.addComponent(true, alloc.directBuffer(n).writeBytes(body, at, n));
        }
        return pieces;
    }

    private static void field(ByteBuf out, String name, String value) {
        // In bulk, not a char at a time: the decoder read these as ISO-8859-1, so each char is
        // one byte and getBytes is one array copy.
        out.writeBytes(name.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(COLON_SPACE);
        out.writeBytes(value.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(CRLF);
    }

    private Conn takeIdle() {
        ArrayDeque<Conn> free = idle.get();
        for (Conn c = free.pollLast(); c != null; c = free.pollLast()) {
            if (c.channel.isActive()) {
                return c;
            }
        }
        return null;
    }

    private void connect(EventLoop loop, Call call, ByteBuf request) {
        Conn conn = new Conn();
        ChannelFuture opening = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                // Reads of at most 16 KiB: an answer paused behind a slow client holds a few small buffers.
                .option(ChannelOption.RECVBUF_ALLOCATOR, new io.netty.channel.AdaptiveRecvByteBufAllocator(64, 2048,
                        WireTransport.READ_MAX))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        conn.channel = ch;
                        ch.pipeline().addLast(conn.answers);
                    }
                })
                .connect(address);
        opening.addListener(done -> {
            if (!done.isSuccess()) {
                request.release();
                call.relay.refused(done.cause());
                return;
            }
            if (closed || call.aborted) {
                request.release();
                opening.channel().close();
                call.relay.refused(new IOException("the client left while the app connection opened"));
                return;
            }
            open.add(conn);
            conn.start(call, request);
        });
    }

    /** One request at the app and its answer on the way back; the relay's handle on the app side. */
    private static final class Call implements Relay.Source {
        private final Channel client;
        private final Forwarder.Answered answered;
        /** A HEAD request: its answer has no body, whatever its fields say. */
        private final boolean headOnly;
        private final long start = System.nanoTime();
        private Relay relay;
        private Conn conn;
        private boolean head;
        private boolean aborted;

        Call(Channel client, Forwarder.Answered answered, boolean headOnly) {
            this.client = client;
            this.answered = answered;
            this.headOnly = headOnly;
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
            if (conn != null) {
                conn.channel.config().setAutoRead(false);
            }
        }

        @Override
        public void resume() {
            if (conn != null) {
                conn.channel.config().setAutoRead(true);
            }
        }

        @Override
        public void abort() {
            aborted = true;
            if (conn != null && conn.call == this) {
                conn.call = null;
                conn.channel.close(); // the rest of the answer would arrive on it: it cannot carry another
            }
        }
    }

    /** One app connection; only touched on its event loop. */
    private final class Conn {
        /** Set as the connection registers, before anything can use it. */
        private Channel channel;
        private final Answers answers = new Answers();
        private Call call;
        /** Checks the app's silence against the upstream timeout; armed while calls come. */
        private ScheduledFuture<?> silence;
        private long lastHeard;

        void start(Call c, ByteBuf request) {
            call = c;
            c.conn = this;
            answers.parser.expect(c.headOnly);
            lastHeard = System.nanoTime();
            if (silence == null) {
                silence = channel.eventLoop().schedule(this::checkSilence, timeoutNanos, TimeUnit.NANOSECONDS);
            }
            channel.writeAndFlush(request, channel.voidPromise());
        }

        /** The answer ended and the app keeps the connection: the next request on this loop may take it. */
        private void release() {
            call = null;
            ArrayDeque<Conn> free = idle.get();
            if (closed || free.size() >= keepIdle) {
                channel.close();
            } else {
                channel.config().setAutoRead(true);
                free.addLast(this);
            }
        }

        private void checkSilence() {
            silence = null;
            Call c = call;
            if (c == null) {
                return; // idle: the next request arms it again
            }
            long quiet = System.nanoTime() - lastHeard;
            if (c.relay.stalled() || quiet < timeoutNanos) {
                // A stalled client is the relay's to judge (its send timeout); the app is paused by us.
                long wait = c.relay.stalled() ? timeoutNanos : timeoutNanos - quiet;
                silence = channel.eventLoop().schedule(this::checkSilence, wait, TimeUnit.NANOSECONDS);
                return;
            }
            call = null;
            channel.close(); // its answer may still come; the connection cannot carry another
            c.fail(new TimeoutException("no answer from the app in " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                    + " ms"));
        }

        /** The connection's one handler: the app's bytes go through the answer parser to the call's relay. */
        private final class Answers extends ChannelInboundHandlerAdapter implements AnswerParser.Listener {
            private final AnswerParser parser = new AnswerParser(this);

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                lastHeard = System.nanoTime();
                ByteBuf bytes = (ByteBuf) msg;
                try {
                    if (call == null) {
                        ctx.close(); // bytes nobody asked for: the connection is out of step
                        return;
                    }
                    parser.read(bytes);
                } catch (AnswerParser.BadAnswer e) {
                    Call c = call;
                    call = null;
                    ctx.close();
                    if (c != null) {
                        c.fail(e);
                    }
                } finally {
                    bytes.release();
                }
            }

            /** Relays the answer's head; false when its client has gone (the connection is closed, not relayed on). */
            // head, body and end: call is null once the call was aborted (its client left) while
            // the parser was still reading this buffer; the connection is closing, so nothing is relayed.

            @Override
            public boolean head(AnswerParser.Head head) {
                Call c = call;
                if (c == null) {
                    return false;
                }
                if (!c.client.isOpen()) {
                    call = null;
                    channel.close();
                    c.fail(new IOException("the client left before the answer"));
                    return false;
                }
                c.head = true;
                c.answered.answered(head.status, System.nanoTime() - c.start);
                c.relay.head(head.status, head.reason, head::endToEnd, head.hasLength);
                return true;
            }

            @Override
            public void body(Buffer chunk) {
                Call c = call;
                if (c != null) {
                    c.relay.chunk(chunk);
                }
            }

            @Override
            public void end(Buffer last, boolean reusable) {
                Call c = call;
                if (c == null) {
                    return;
                }
                if (reusable) {
                    release();
                } else {
                    call = null;
                    channel.close();
                }
                c.relay.end(last); // last: a pipelined request dispatched from here may take this connection
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                open.remove(Conn.this);
                idle.get().remove(Conn.this);
                Call c = call;
                if (c != null && !parser.closed()) { // closed() ends an answer read until close
                    call = null;
                    c.fail(new IOException("the app closed the connection"));
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
