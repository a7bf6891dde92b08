package io.sigcar.pipeline;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An app that misbehaves on request, for fault and load tests: a real HTTP server on loopback.
 * {@code /hold} waits until {@link #release()}, {@code /slow?ms=N} answers after N ms,
 * {@code /big?kb=N} streams N KiB, {@code /reset} sends half a response and drops the
 * connection; anything else answers {@code ok} at once.
 */
final class FaultyApp implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final List<HttpServerRequest> held = new ArrayList<>();
    private volatile Context context;
    private boolean holding = true;
    final AtomicInteger arrivals = new AtomicInteger();
    final AtomicInteger concurrent = new AtomicInteger();
    final AtomicInteger maxConcurrent = new AtomicInteger();

    FaultyApp() throws Exception {
        server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1")
                .await(10, TimeUnit.SECONDS);
    }

    private void handle(HttpServerRequest req) {
        context = Vertx.currentContext();
        arrivals.incrementAndGet();
        maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
        req.response().endHandler(v -> concurrent.decrementAndGet());
        req.response().closeHandler(v -> { }); // a reset client must not throw into the loop
        req.body().onSuccess(body -> {
            switch (req.path()) {
                case "/hold" -> {
                    if (holding) {
                        held.add(req);
                    } else {
                        req.response().end("held");
                    }
                }
                case "/slow" -> vertx.setTimer(Long.parseLong(req.getParam("ms", "500")),
                        id -> req.response().end("slow done"));
                case "/big" -> {
                    int kb = Integer.parseInt(req.getParam("kb", "1024"));
                    req.response().putHeader("content-length", String.valueOf(kb * 1024L));
                    writeKb(req, kb);
                }
                case "/reset" -> {
                    req.response().putHeader("content-length", "100000");
                    req.response().write(Buffer.buffer(new byte[1000]))
                            .onComplete(w -> req.connection().close());
                }
                default -> req.response().end("ok");
            }
        });
    }

    /** Writes with back-pressure, so a slow reader holds memory in neither the app nor the proxy. */
    private static void writeKb(HttpServerRequest req, int left) {
        var resp = req.response();
        Buffer kb = Buffer.buffer(new byte[1024]);
        int remaining = left;
        while (remaining > 0 && !resp.writeQueueFull()) {
            resp.write(kb);
            remaining--;
        }
        if (remaining == 0) {
            resp.end();
            return;
        }
        int rest = remaining;
        resp.drainHandler(v -> writeKb(req, rest));
    }

    /** Answers every held request and stops holding new ones. */
    void release() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        Context ctx = context;
        Runnable answer = () -> {
            holding = false;
            held.forEach(r -> r.response().end("held"));
            held.clear();
            done.countDown();
        };
        if (ctx == null) {
            answer.run();
        } else {
            ctx.runOnContext(v -> answer.run());
        }
        done.await(10, TimeUnit.SECONDS);
    }

    int port() {
        return server.actualPort();
    }

    @Override
    public void close() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }
}
