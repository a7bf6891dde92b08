package io.sigcar.accept;

import io.sigcar.config.SidecarConfig.Limits;
import io.sigcar.reject.Reason;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpVersion;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The accept stage's defence against slow and greedy clients: caps open connections and
 * requests in flight, gives every HTTP/1.x request head a deadline, and closes HTTP/2
 * connections that keep no stream open. Vert.x's idle
 * timeout alone lets a client that sends one header byte a second hold a connection forever.
 */
public final class ConnectionGuard {

    /**
     * The heap one open connection holds: ~5.5 KB measured after a full GC with 9,000 idle
     * keep-alive connections (Vert.x's connection, its decoder and outbound queue, the handler
     * contexts; loadtest/PROFILE.md, "Memory per idle connection"), rounded up.
     */
    static final long HEAP_PER_CONNECTION = 6 * 1024;

    private final Vertx vertx;
    private final Limits limits;
    private final java.util.function.Consumer<Reason> onCut;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<HttpConnection, Head> heads = new ConcurrentHashMap<>();
    private volatile boolean draining;

    /** @param onCut counts a connection cut before it had a request to answer, by reason */
    public ConnectionGuard(Vertx vertx, Limits limits, java.util.function.Consumer<Reason> onCut) {
        this.vertx = vertx;
        this.limits = limits;
        this.onCut = onCut;
    }

    /**
     * A warning for a {@code max-connections} whose connections, all open at once, would take over
     * half of the heap's limit ({@code maxHeap}, as {@code Runtime.maxMemory()} gives it); null
     * when they fit. A flood of connections up to the limit would then run the JVM out of memory
     * rather than be refused at the limit.
     */
    public static String heapWarning(int maxConnections, long maxHeap) {
        long need = maxConnections * HEAP_PER_CONNECTION;
        if (maxHeap == Long.MAX_VALUE || need <= maxHeap / 2) {
            return null;
        }
        return "max-connections " + maxConnections + " would hold ~" + (need >> 20) + " MiB of heap with every"
                + " connection open (~6 KiB each), over half of the heap's " + (maxHeap >> 20) + " MiB limit: raise"
                + " the heap (-Xmx in JAVA_OPTS) or lower max-connections";
    }

    /**
     * At accept, before a byte is read (called by the wire's connection limit for the proxy listener):
     * false when the sidecar is at {@code max-connections}; the caller closes the connection.
     * Counting here, not in the connection handler, matters: Vert.x calls that only once the
     * first request head has been decoded, so connections that never send one went uncounted.
     */
    public boolean accept(io.netty.channel.Channel channel) {
        if (connections.incrementAndGet() > limits.maxConnections()) {
            connections.decrementAndGet();
            onCut.accept(Reason.OVERLOADED);
            return false;
        }
        // The socket's own close: Vert.x's close handler never runs once a connection has become
        // a WebSocket tunnel, and each tunnel would keep its slot for good.
        channel.closeFuture().addListener(f -> connections.decrementAndGet());
        return true;
    }

    /**
     * The server's connection handler: after the first HTTP/1.x head, or once an HTTP/2 connection
     * has its settings. Arms the deadline for later heads; on HTTP/2, the deadline for the next
     * stream whenever none is open, so that PINGs alone cannot keep a connection.
     */
    public void connected(HttpConnection connection) {
        boolean h2 = connection.protocolVersion() == HttpVersion.HTTP_2;
        Head head = new Head(connection, h2);
        heads.put(connection, head);
        // HTTP/2's header blocks are timed by the wire's head deadline; this deadline only runs while no stream is open.
        head.arm(h2 ? limits.idleTimeout().toMillis() + limits.requestTimeout().toMillis()
                : limits.requestTimeout().toMillis());
        Runnable closed = () -> {
            Head h = heads.remove(connection);
            if (h != null) {
                h.disarm();
            }
        };
        io.netty.channel.Channel channel = Channels.of(connection);
        if (channel != null) {
            channel.closeFuture().addListener(f -> closed.run());
        } else {
            connection.closeHandler(v -> closed.run());
        }
    }

    /**
     * A request head arrived on {@code connection}. False when the sidecar is at its in-flight
     * limit: the caller sheds it (and must not call {@link #finished}).
     */
    public boolean admit(HttpConnection connection) {
        Head head = heads.get(connection);
        if (head != null) {
            head.requestStarted();
        }
        if (inFlight.incrementAndGet() > limits.maxInFlight()) {
            inFlight.decrementAndGet();
            if (head != null) {
                head.requestEnded(); // the refusal closes the connection; keep the deadline honest meanwhile
            }
            return false;
        }
        return true;
    }

    /** An admitted request is done (answered, failed or abandoned). */
    public void finished(HttpConnection connection) {
        inFlight.decrementAndGet();
        Head head = heads.get(connection);
        if (head != null) {
            head.requestEnded();
        }
    }

    /** The connection becomes a WebSocket tunnel: it carries no more request heads to time. */
    public void upgrading(HttpConnection connection) {
        Head head = heads.remove(connection);
        if (head != null) {
            head.disarm();
        }
    }

    /** From now on every HTTP/1.x answer says {@code Connection: close}: the sidecar is shutting down. */
    public void drain() {
        draining = true;
    }

    /** Called as a response head is written; HTTP/2 learns of the drain from GOAWAY instead. */
    public void beforeHead(io.vertx.core.http.HttpServerRequest request) {
        if (draining && request.version() != HttpVersion.HTTP_2) {
            request.response().putHeader(io.vertx.core.http.HttpHeaders.CONNECTION, io.vertx.core.http.HttpHeaders.CLOSE);
        }
    }

    /**
     * Closes a client connection now. Vert.x's own {@code close()} is graceful: it stops reading
     * and waits for the exchange in progress to finish, which for a client that never finishes
     * its head, or never reads its answer, means until the idle timeout. {@code discardQueued}
     * also throws away what is queued for the client (linger 0: the kernel sends a reset).
     */
    public static void cut(HttpConnection connection, boolean discardQueued) {
        io.netty.channel.ChannelHandlerContext vertxHandler = Channels.context(connection);
        if (vertxHandler != null) {
            if (!vertxHandler.channel().isOpen()) {
                return; // gone already (setting linger on a closed socket throws)
            }
            if (discardQueued) {
                vertxHandler.channel().config().setOption(io.netty.channel.ChannelOption.SO_LINGER, 0);
            }
            // From Vert.x's own handler context: the close starts below that handler and skips it.
            vertxHandler.close();
        } else {
            connection.close();
        }
    }

    public int connections() {
        return connections.get();
    }

    public int inFlight() {
        return inFlight.get();
    }

    /**
     * The deadline for the next request on one connection. A fresh HTTP/1.x connection gets
     * request-timeout; after an answer the client may idle first, so it gets idle-timeout +
     * request-timeout. An HTTP/2 connection gets the same once its last stream has ended: Vert.x's
     * idle timeout counts any frame read, so a client that sends a PING now and then would
     * otherwise hold the connection for good (Envoy's idle timeout likewise counts streams, not
     * bytes). Only touched on the connection's event loop.
     */
    private final class Head {
        private final HttpConnection connection;
        private final boolean h2;
        private int active;
        /** When the connection is cut if it has no request by then (System.nanoTime). */
        private long due;
        private long timer = -1;
        /** When the armed timer fires; it may be earlier than {@link #due}, never later. */
        private long timerAt;

        Head(HttpConnection connection, boolean h2) {
            this.connection = connection;
            this.h2 = h2;
        }

        /** No timer is touched: the one armed finds the request when it fires, and stands down. */
        void requestStarted() {
            active++;
        }

        void requestEnded() {
            if (active > 0) {
                active--;
            }
            if (active == 0) {
                arm(limits.idleTimeout().toMillis() + limits.requestTimeout().toMillis());
            }
        }

        /**
         * Moves the deadline to {@code millis} from now. A timer already armed for earlier stays:
         * it re-arms for the rest when it fires, so a busy connection costs one timer per deadline
         * length, not one per request.
         */
        void arm(long millis) {
            long now = System.nanoTime();
            due = now + Math.max(1, millis) * 1_000_000L;
            if (timer >= 0 && timerAt - due <= 0) {
                return;
            }
            disarm();
            schedule(now);
        }

        private void schedule(long now) {
            long millis = Math.max(1, (due - now + 999_999) / 1_000_000);
            timerAt = now + millis * 1_000_000L;
            timer = vertx.setTimer(millis, id -> fire());
        }

        private void fire() {
            timer = -1;
            if (active > 0) {
                return; // requestEnded arms again
            }
            long now = System.nanoTime();
            if (due - now > 0) {
                schedule(now); // the deadline moved while this timer waited
                return;
            }
            if (h2 && openStreams(connection) > 0) {
                // A stream this guard did not see start (the h2c upgrade's first one).
                arm(limits.idleTimeout().toMillis() + limits.requestTimeout().toMillis());
                return;
            }
            onCut.accept(Reason.REQUEST_TIMEOUT);
            if (h2) {
                // GOAWAY NO_ERROR (every stream the client sent was answered); the cut below does not wait.
                connection.shutdown(0, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
            cut(connection, false);
        }

        void disarm() {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
        }
    }

    /** Streams open on an HTTP/2 connection, as Netty's codec counts them; 0 if it cannot be asked. */
    private static int openStreams(HttpConnection connection) {
        io.netty.channel.ChannelHandlerContext vertxHandler = Channels.context(connection);
        if (vertxHandler != null && vertxHandler.handler() instanceof io.netty.handler.codec.http2.Http2ConnectionHandler h2) {
            return h2.connection().numActiveStreams();
        }
        return 0;
    }
}
