package io.sigcar.record;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sigcar.config.HostPort;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.function.BooleanSupplier;

/** The admin listener: {@code /metrics} (Prometheus text), {@code /healthz} (alive) and {@code /readyz}. */
public final class AdminServer {

    private final Vertx vertx;
    private final PrometheusMeterRegistry registry;
    private final BooleanSupplier ready;
    private HttpServer server;

    /** @param ready true once keys are loaded and the proxy listens, false again while draining */
    public AdminServer(Vertx vertx, PrometheusMeterRegistry registry, BooleanSupplier ready) {
        this.vertx = vertx;
        this.registry = registry;
        this.ready = ready;
    }

    public Future<HttpServer> listen(HostPort address) {
        server = vertx.createHttpServer();
        server.requestHandler(req -> {
            switch (req.path()) {
                case "/metrics" -> {
                    // Scraping walks every meter; keep it off the event loop.
                    vertx.executeBlocking(registry::scrape, false).onComplete(r -> {
                        if (r.succeeded()) {
                            req.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                                    .end(r.result());
                        } else {
                            req.response().setStatusCode(500).end();
                        }
                    });
                }
                case "/healthz" -> req.response().end("ok\n");
                case "/readyz" -> {
                    boolean ok = ready.getAsBoolean();
                    req.response().setStatusCode(ok ? 200 : 503).end(ok ? "ready\n" : "not ready\n");
                }
                default -> req.response().setStatusCode(404).end();
            }
        });
        return server.listen(address.port(), address.host());
    }

    public Future<Void> close() {
        return server == null ? Future.succeededFuture() : server.close();
    }
}
