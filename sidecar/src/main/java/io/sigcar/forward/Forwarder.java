package io.sigcar.forward;

import io.sigcar.accept.Acceptor;
import io.sigcar.accept.Channels;
import io.sigcar.config.SidecarConfig.Upstream;
import io.sigcar.reject.Reason;
import io.sigcar.reject.Rejection;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetSocket;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * The forward stage: sends a verified (or allowed) request to the app and streams the answer
 * back without buffering it. HTTP/1.x requests go over plain Netty app connections kept per
 * event loop ({@link AppLinks}); HTTP/2 streams and WebSocket handshakes use Vert.x's pooled
 * keep-alive client.
 */
public final class Forwarder {

    private static final System.Logger LOG = System.getLogger(Forwarder.class.getName());

    private final Vertx vertx;
    /** Vert.x's pooled client, for h2c streams and WebSocket upgrades only: made on first use. */
    private HttpClientAgent client;
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
        this.links = new AppLinks(upstream);
    }

    /**
     * Made when the first h2c or upgrade request needs it, not at start: most apps get only
     * HTTP/1.1 (AppLinks), and building the client cost about 8 ms of every start-up.
     */
    private synchronized HttpClientAgent client() {
        if (client == null) {
            client = vertx.createHttpClient(new HttpClientOptions()
                            .setKeepAlive(true)
                            .setConnectTimeout((int) upstream.connectTimeout().toMillis())
                            .setDecompressionSupported(false),
                    new PoolOptions().setHttp1MaxSize(upstream.pool()));
        }
        return client;
    }

    /**
     * Forwards and streams the response. The future fails with a {@link Rejection}
     * (upstream unavailable or timed out) only while nothing has been sent to the client.
     * HTTP/1.x requests take an app connection of their event loop ({@link AppLinks}); h2c
     * streams use Vert.x's pool.
     *
     * @param keyId    the verified keyid for {@code Sigcar-Key-Id}, or null for allowed routes
     * @param answered receives the app's status and the nanoseconds from send to its response head
     */
    public Future<Integer> forward(HttpServerRequest in, Buffer body, String keyId, Answered answered) {
        Future<Integer> sent = in.version() == HttpVersion.HTTP_2 ? null : links.forward(in, body, answered,
                fields -> proxyHeaders(in, fields, keyId), this::relay);
        if (sent == null) {
            long start = System.nanoTime();
            sent = client().request(options(in)).compose(out -> {
                proxyHeaders(in, out.headers()::add, keyId);
                return out.send(body);
            }).recover(failure -> Future.failedFuture(classify(failure, in))).compose(response -> {
                answered.answered(response.statusCode(), System.nanoTime() - start);
                return relay(response, in);
            });
        }
        active.incrementAndGet();
        sent.onComplete(done -> active.decrementAndGet());
        return sent;
    }

    /** Requests sent to the app and not yet relayed to their end. */
    public int active() {
        return active.get();
    }

    /** App connections open on the HTTP/1.x path, busy or idle. */
    public int links() {
        return links.open();
    }

    /**
     * A verified WebSocket upgrade: the handshake goes to the app; if it agrees (101), the two
     * connections are spliced byte for byte. Anything else is relayed as a normal response.
     */
    public Future<Integer> upgrade(HttpServerRequest in, String keyId) {
        return client().request(options(in)).compose(out -> {
            proxyHeaders(in, out.headers()::add, keyId);
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
    private static void proxyHeaders(HttpServerRequest in, BiConsumer<String, String> add, String keyId) {
        // The client's own forwarding fields are not copied: the ones added below extend them.
        Headers.copyEndToEnd(in.headers(), Headers.connection(in.headers()), add, true);
        String authority = in.authority().toString();
        add.accept("host", authority);
        String client = in.remoteAddress() == null ? "unknown" : in.remoteAddress().hostAddress();
        String scheme = Acceptor.URI_SCHEME;
        add.accept("x-forwarded-for", join(in.getHeader("x-forwarded-for"), client));
        add.accept("x-forwarded-proto", scheme);
        add.accept("x-forwarded-host", authority);
        add.accept("forwarded", join(in.getHeader("forwarded"), "for=\"" + client + "\";proto=" + scheme));
        if (keyId != null) {
            add.accept("sigcar-key-id", keyId);
        }
    }

    /** The answer of Vert.x's client, relayed. */
    private Future<Integer> relay(HttpClientResponse from, HttpServerRequest in) {
        Relay relay = relay(in, new Relay.Source() {
            @Override
            public void pause() {
                from.pause();
            }

            @Override
            public void resume() {
                from.resume();
            }

            @Override
            public void abort() {
                from.request().reset();
            }
        });
        relay.head(from.statusCode(), from.statusMessage(), from.headers(), Headers.connection(from.headers()),
                from.getHeader("content-length") != null);
        from.handler(relay::chunk);
        from.endHandler(v -> relay.end());
        from.exceptionHandler(relay::failed);
        return relay.future();
    }

    private Relay relay(HttpServerRequest in, Relay.Source source) {
        return new Relay(vertx, sendTimeoutMillis, stalls, in, source);
    }

    /**
     * What an app-side failure means for the exchange. A client that left takes its app
     * connection with it ({@link AppLinks}), and that close can reach the app request before
     * Vert.x tells the exchange the client is gone: the client's leaving, not the app's failure.
     */
    static Rejection classify(Throwable failure, HttpServerRequest in) {
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

    public synchronized Future<Void> close() {
        stalls.close();
        links.close();
        return client == null ? Future.succeededFuture() : client.close();
    }
}
