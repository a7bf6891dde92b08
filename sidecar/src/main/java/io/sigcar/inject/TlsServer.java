package io.sigcar.inject;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.ServerSSLOptions;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * An HTTPS server whose certificate follows its PEM files: they are polled, and a changed pair
 * that parses and matches replaces the served one for new connections. A bad pair is logged at
 * ERROR and the previous certificate stays in service. Knows nothing about admission.
 */
public final class TlsServer {

    private static final System.Logger LOG = System.getLogger(TlsServer.class.getName());

    private final Vertx vertx;
    private final TlsFiles files;
    private final Duration poll;
    private final Consumer<Boolean> onReload;
    private HttpServer server;
    private long timer = -1;
    /** The bytes last acted on (applied or refused), so a bad pair is reported once, not every poll. */
    private byte[][] seen;
    private boolean busy;

    /** @param onReload told true for each new certificate served, false for each refused */
    public TlsServer(Vertx vertx, TlsFiles files, Duration poll, Consumer<Boolean> onReload) {
        this.vertx = vertx;
        this.files = files;
        this.poll = poll;
        this.onReload = onReload;
    }

    /** Fails (naming the file) when the initial certificate and key are not usable. */
    public Future<HttpServer> listen(String host, int port, HttpServerOptions base, Handler<HttpServerRequest> handler) {
        // Reading and checking the key material is blocking work: keep it off the event loop.
        return vertx.executeBlocking(() -> files.load(vertx), false).compose(initial -> {
            seen = new byte[][] {initial.cert(), initial.key()};
            server = vertx.createHttpServer(new HttpServerOptions(base).setSsl(true)
                    .setKeyCertOptions(initial.options())).requestHandler(handler);
            return server.listen(port, host);
        }).onSuccess(s -> timer = vertx.setPeriodic(poll.toMillis(), id -> check()));
    }

    private void check() {
        if (busy) {
            return;
        }
        busy = true;
        vertx.executeBlocking(() -> {
            byte[][] raw = files.readRaw();
            if (raw == null || (java.util.Arrays.equals(raw[0], seen[0]) && java.util.Arrays.equals(raw[1], seen[1]))) {
                return null;
            }
            seen = raw;
            return files.check(vertx, raw[0], raw[1]);
        }, false).compose(m -> m == null ? Future.succeededFuture(false)
                : server.updateSSLOptions(new ServerSSLOptions().setKeyCertOptions(m.options()), true))
                .onComplete(r -> {
                    busy = false;
                    if (r.succeeded() && Boolean.TRUE.equals(r.result())) {
                        LOG.log(Level.INFO, "TLS certificate reloaded from {0}", files.cert());
                        onReload.accept(true);
                    } else if (r.failed()) {
                        LOG.log(Level.ERROR, "TLS reload refused, still serving the previous certificate: {0}",
                                r.cause().getMessage());
                        onReload.accept(false);
                    }
                });
    }

    public Future<Void> close() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        return server == null ? Future.succeededFuture() : server.close();
    }
}
