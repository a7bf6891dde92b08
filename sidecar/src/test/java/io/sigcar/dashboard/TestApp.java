package io.sigcar.dashboard;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.concurrent.TimeUnit;

/**
 * The app behind the sidecar: 200 for most paths, 500 on {@code /boom}, and on {@code /drop} the
 * connection closed without an answer, which the sidecar reports as upstream_unavailable (502).
 * No path is slow on purpose, so nothing here races a timeout on a busy machine.
 */
final class TestApp implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;

    TestApp() throws Exception {
        server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            if (req.path().startsWith("/drop")) {
                req.connection().close();
                return;
            }
            req.response().setStatusCode(req.path().startsWith("/boom") ? 500 : 200).end("ok");
        })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    }

    int port() {
        return server.actualPort();
    }

    @Override
    public void close() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }
}
