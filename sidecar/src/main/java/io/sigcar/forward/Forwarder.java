package io.sigcar.forward;

import io.sigcar.accept.Channels;
import io.sigcar.config.SidecarConfig.Upstream;
import io.sigcar.reject.Reason;
import io.sigcar.reject.Rejection;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetSocket;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

/**
 * The forward stage: sends a verified (or allowed) request to the app over a pooled
 * keep-alive client and streams the answer back without buffering it.
 */
public final class Forwarder {

    private static final System.Logger LOG = System.getLogger(Forwarder.class.getName());

    private final Vertx vertx;
    private final HttpClientAgent client;
    private final Upstream upstream;
    private final long sendTimeoutMillis;
    private final Stalls stalls;
    private final AppLinks links;
    /** Requests sent to the app whose answer has not been relayed to its end (a leak grows it). */
    private final java.util.concurrent.atomic.AtomicInteger active = new java.util.concurrent.atomic.AtomicInteger();

    /** What the forward stage reports for each request the app answered. */
    @FunctionalInterface
    public interface Answered {
        /** @param nanos from send to the app's response head */
        void answered(int status, long nanos);
    }

    /** @param sendTimeout how long an answer may stay backed up in front of a client that does not read it */
    public Forwarder(Vertx vertx, Upstream upstream, java.time.Duration sendTimeout) {
        this.vertx = vertx;
        this.upstream = upstream;
        this.sendTimeoutMillis = Math.max(1, sendTimeout.toMillis());
        this.stalls = Stalls.onNettyMemory(vertx);
        this.client = vertx.createHttpClient(new HttpClientOptions()
                        .setKeepAlive(true)
                        .setConnectTimeout((int) upstream.connectTimeout().toMillis())
                        .setDecompressionSupported(false),
                new PoolOptions().setHttp1MaxSize(upstream.pool()));
        this.links = new AppLinks(client, upstream);
    }

    /**
     * Forwards and streams the response. The future fails with a {@link Rejection}
     * (upstream unavailable or timed out) only while nothing has been sent to the client.
     * An HTTP/1.x client's requests go over its own app connection ({@link AppLinks}); h2c
     * streams share the pool.
     *
     * @param keyId    the verified keyid for {@code Sigcar-Key-Id}, or null for allowed routes
     * @param answered receives the app's status and the nanoseconds from send to its response head
     */
    public Future<Integer> forward(HttpServerRequest in, Buffer body, String keyId, Answered answered) {
        long start = System.nanoTime();
        active.incrementAndGet();
        RequestOptions options = options(in);
        Future<io.vertx.core.http.HttpClientRequest> opened = in.version() == HttpVersion.HTTP_2
                ? client.request(options) : links.request(in.connection(), options);
        Future<Integer> sent = opened.compose(out -> {
            proxyHeaders(in, out.headers(), keyId);
            return out.send(body);
        }).recover(failure -> Future.failedFuture(classify(failure, in))).compose(response -> {
            answered.answered(response.statusCode(), System.nanoTime() - start);
            return relay(response, in);
        });
        sent.onComplete(done -> active.decrementAndGet());
        return sent;
    }

    /** Requests sent to the app and not yet relayed to their end. */
    public int active() {
        return active.get();
    }

    /** App connections held by HTTP/1.x client connections. */
    public int links() {
        return links.open();
    }

    /**
     * A verified WebSocket upgrade: the handshake goes to the app; if it agrees (101), the two
     * connections are spliced byte for byte. Anything else is relayed as a normal response.
     */
    public Future<Integer> upgrade(HttpServerRequest in, String keyId) {
        return client.request(options(in)).compose(out -> {
            proxyHeaders(in, out.headers(), keyId);
            // The upgrade itself is what this request is for: these hop-by-hop fields must pass.
            out.putHeader("connection", "Upgrade");
            out.putHeader("upgrade", in.getHeader("upgrade"));
            return out.connect();
        }).recover(failure -> Future.failedFuture(classify(failure, in))).compose(response -> {
            if (response.statusCode() != 101) {
                return relay(response, in);
            }
            NetSocket app = response.netSocket();
            Headers.copyEndToEnd(response.headers(), in.response().headers(), false);
            in.response().headers().set("connection", "Upgrade").set("upgrade", response.getHeader("upgrade"));
            in.response().setStatusCode(101);
            return in.toNetSocket().map(clientSocket -> {
                clientSocket.pipeTo(app);
                app.pipeTo(clientSocket);
                return 101;
            });
        });
    }

    /** The request head the app sees: end-to-end fields, our forwarding fields, the verified keyid. */
    private static void proxyHeaders(HttpServerRequest in, io.vertx.core.MultiMap out, String keyId) {
        Headers.copyEndToEnd(in.headers(), out, true);
        out.remove("expect"); // answered here already
        out.set("host", in.authority().toString());
        String client = in.remoteAddress() == null ? "unknown" : in.remoteAddress().hostAddress();
        String scheme = in.isSSL() ? "https" : "http";
        out.set("x-forwarded-for", join(in.getHeader("x-forwarded-for"), client));
        out.set("x-forwarded-proto", scheme);
        out.set("x-forwarded-host", in.authority().toString());
        out.set("forwarded", join(in.getHeader("forwarded"), "for=\"" + client + "\";proto=" + scheme));
        if (keyId != null) {
            out.set("sigcar-key-id", keyId);
        }
    }

    private Future<Integer> relay(HttpClientResponse from, HttpServerRequest in) {
        HttpServerResponse to = in.response();
        HttpVersion version = in.version();
        to.setStatusCode(from.statusCode());
        to.setStatusMessage(from.statusMessage());
        Headers.copyEndToEnd(from.headers(), to.headers(), false);
        if (version != HttpVersion.HTTP_2 && from.getHeader("content-length") == null) {
            to.setChunked(true);
        }
        int status = from.statusCode();
        Promise<Integer> done = Promise.promise();
        Backlog backlog = new Backlog(); // armed while the client's queue is full
        // A hand-written pipe: Vert.x's pipeTo throws into the event loop when the client has
        // already gone. Here a vanished client simply stops the relay and frees the upstream.
        to.closeHandler(v -> {
            // Settled first: the reset below fails the app's side at once, and its exception
            // handler must not record the client's leaving as the app's failure.
            done.tryFail(new Rejection(Reason.CLIENT_CLOSED, "client closed during the response", false));
            backlog.clear();
            from.request().reset();
        });
        from.exceptionHandler(e -> {
            // While the client stalls us, the app's side is idle by our doing: its idle timeout
            // firing first is still the client's fault.
            boolean clientStalled = backlog.clear();
            if (done.tryFail(clientStalled ? new Rejection(Reason.SEND_TIMEOUT, "answer not taken before the app's"
                    + " connection idled out", true) : classify(e, in))) {
                cut(in);
            }
        });
        // HTTP/1.x: the client's socket itself, so the app is paused as soon as Netty's buffer is full.
        io.netty.channel.Channel socket = version != HttpVersion.HTTP_2 ? Channels.of(in.connection()) : null;
        from.handler(chunk -> {
            if (to.ended() || to.closed()) {
                return;
            }
            to.write(chunk);
            boolean full = to.writeQueueFull() || socket != null && !socket.isWritable();
            if (full && !backlog.armed()) {
                from.pause();
                // A client that does not read would otherwise hold this connection, the app's
                // connection behind it, an in-flight slot and the buffers for as long as it likes.
                java.util.function.Consumer<String> giveUp = why -> {
                    backlog.clear();
                    if (done.tryFail(new Rejection(Reason.SEND_TIMEOUT, why, true))) {
                        from.request().reset();
                        cut(in);
                    }
                };
                backlog.timer = vertx.setTimer(sendTimeoutMillis,
                        id -> giveUp.accept("answer not taken in " + sendTimeoutMillis + " ms"));
                backlog.stall = stalls.add(vertx.getOrCreateContext(),
                        () -> giveUp.accept("answer backed up while direct memory ran short"));
                Runnable resume = () -> {
                    if (backlog.clear()) {
                        from.resume();
                    }
                };
                // HTTP/1.x resumes when the socket drains; Vert.x's drain handler only reports its own
                // queue, which this relay no longer fills. HTTP/2 streams have only that.
                if (socket == null || !io.sigcar.accept.WireGuard.whenWritable(socket, resume)) {
                    to.drainHandler(v -> resume.run());
                }
            }
        });
        from.endHandler(v -> {
            // Complete first: on HTTP/2, end() closes the stream at once, and the close handler
            // above must not then record a served exchange as a client that left.
            done.tryComplete(status);
            backlog.clear();
            if (!to.ended() && !to.closed()) {
                to.end();
            }
        });
        return done.future();
    }

    /** The send-timeout timer and the memory watch's entry of one answer while its client's queue is full. */
    private final class Backlog {
        long timer = -1;
        Stalls.Stall stall;

        boolean armed() {
            return timer >= 0;
        }

        /** Disarms both; true if they were armed. */
        boolean clear() {
            boolean was = timer >= 0;
            if (was) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
            if (stall != null) {
                stall.end();
                stall = null;
            }
            return was;
        }
    }

    /** Drops a client that stopped reading: HTTP/2 resets its one stream, HTTP/1.x loses the connection. */
    private static void cut(HttpServerRequest in) {
        if (in.version() == HttpVersion.HTTP_2) {
            in.response().reset();
        } else {
            io.sigcar.accept.ConnectionGuard.cut(in.connection(), true);
        }
    }

    /**
     * What an app-side failure means for the exchange. A client that left takes its app
     * connection with it ({@link AppLinks}), and that close can reach the app request before
     * Vert.x tells the exchange the client is gone: the client's leaving, not the app's failure.
     */
    private static Rejection classify(Throwable failure, HttpServerRequest in) {
        if (failure instanceof Rejection r) {
            return r;
        }
        if (in.response().closed() || Channels.closed(in.connection())) {
            return new Rejection(Reason.CLIENT_CLOSED, "client closed before the answer", false);
        }
        LOG.log(System.Logger.Level.DEBUG, "app request failed: {0}", failure.toString());
        boolean timeout = failure instanceof TimeoutException
                || failure.getClass().getSimpleName().contains("Timeout");
        if (timeout) {
            return new Rejection(Reason.UPSTREAM_TIMEOUT, failure.getClass().getSimpleName(), false);
        }
        String what = failure instanceof ConnectException ? "connect: " + failure.getMessage()
                : failure.getClass().getSimpleName();
        return new Rejection(Reason.UPSTREAM_UNAVAILABLE, what, false);
    }

    /** The accept stage admits origin-form targets only, so the target is forwarded exactly as verified. */
    private RequestOptions options(HttpServerRequest in) {
        return new RequestOptions()
                .setHost(upstream.address().host())
                .setPort(upstream.address().port())
                .setMethod(in.method())
                .setURI(in.uri())
                .setIdleTimeout(upstream.timeout().toMillis());
    }

    private static String join(String existing, String added) {
        return existing == null || existing.isBlank() ? added : existing + ", " + added;
    }

    public Future<Void> close() {
        stalls.close();
        links.close();
        return client.close();
    }
}
