package io.sigcar.forward;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.sigcar.accept.Channels;
import io.sigcar.config.SidecarConfig.Upstream;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.RequestOptions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One app connection per HTTP/1.x client connection, opened by its first forwarded request and
 * closed with it, as a TCP proxy pairs its two sides. An HTTP/1.x client connection carries one
 * exchange at a time, so its app connection is free whenever its next request comes: no pool
 * lease and no endpoint lookup per request, and both connections live on the same event loop.
 * When the app connection is still busy (a pipelined request that arrives while the previous
 * answer ends) or cannot be used, the shared pool serves the request instead.
 */
final class AppLinks {

    private static final AttributeKey<Link> LINK = AttributeKey.valueOf("sigcar.app-link");

    private final HttpClientAgent pool;
    private final HttpConnectOptions connect;
    private final Set<Link> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    AppLinks(HttpClientAgent pool, Upstream upstream) {
        this.pool = pool;
        this.connect = new HttpConnectOptions().setHost(upstream.address().host()).setPort(upstream.address().port())
                .setConnectTimeout(upstream.connectTimeout().toMillis());
    }

    /** A request to the app for one arriving on {@code from}; called on {@code from}'s event loop. */
    Future<HttpClientRequest> request(HttpConnection from, RequestOptions options) {
        Channel channel = Channels.of(from);
        if (channel == null || closed) {
            return pool.request(options);
        }
        Link link = channel.attr(LINK).get();
        if (link == null) {
            if (!channel.isOpen()) {
                return pool.request(options);
            }
            Link made = new Link();
            channel.attr(LINK).set(made);
            open.add(made);
            channel.closeFuture().addListener(f -> made.close());
            link = made;
        }
        return link.request(options);
    }

    /** Client connections that hold an app connection (or are opening one). */
    int open() {
        return open.size();
    }

    /** Closes every app connection (the sidecar stops). */
    void close() {
        closed = true;
        for (Link link : open) {
            link.close();
        }
    }

    /** The app side of one client connection. Only touched on that connection's event loop, except {@link #close}. */
    private final class Link {
        /** Null before the first request and after the app connection ended; the next request opens another. */
        private Future<HttpClientConnection> connection;
        private volatile boolean ended;

        Future<HttpClientRequest> request(RequestOptions options) {
            Future<HttpClientConnection> current = connection;
            if (current == null) {
                current = open();
            } else if (!current.isComplete()
                    || current.succeeded() && current.result().activeStreams() >= current.result().maxActiveStreams()) {
                return pool.request(options); // still opening for, or serving, the exchange before this one
            }
            return current.compose(c -> c.request(options));
        }

        private Future<HttpClientConnection> open() {
            Future<HttpClientConnection> opening = pool.connect(connect);
            connection = opening;
            opening.onComplete(result -> {
                if (result.failed()) {
                    forget(opening); // the request that opened it is answered 502; the next one tries again
                } else if (ended) {
                    result.result().close();
                } else {
                    // The app closed it (its keep-alive timeout, Connection: close, a crash).
                    result.result().closeHandler(v -> forget(opening));
                }
            });
            return opening;
        }

        private void forget(Future<HttpClientConnection> which) {
            if (connection == which) {
                connection = null;
            }
        }

        void close() {
            ended = true;
            open.remove(this);
            Future<HttpClientConnection> current = connection;
            if (current != null && current.succeeded()) {
                current.result().close();
            }
        }
    }
}
