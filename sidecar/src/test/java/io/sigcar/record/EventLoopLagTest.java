package io.sigcar.record;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The lag probe sits on the loop that serves requests: a handler that holds that loop shows up as lag. */
class EventLoopLagTest {

    @Test
    void aRequestHandlerHoldingTheLoopIsMeasuredAsLag() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            // Same wiring as Sidecar.start(): server and probe both take this thread's context.
            HttpServer server = vertx.createHttpServer().requestHandler(req -> {
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400);
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                req.response().end("held");
            }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
            Timer lag = Timer.builder("lag").register(new SimpleMeterRegistry());
            EventLoopLag probe = new EventLoopLag(vertx, vertx.getOrCreateContext(), lag, Duration.ofMillis(20));
            probe.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (lag.count() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(lag.count() >= 3, "the probe ticks: " + lag.count());
            assertTrue(lag.max(TimeUnit.MILLISECONDS) < 300, "an idle loop shows no large lag: "
                    + lag.max(TimeUnit.MILLISECONDS));

            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.actualPort() + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(r.body().equals("held"), r.body());
            long before = lag.count();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (lag.count() < before + 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            // The tick due while the handler spun fired at least ~380 ms late (a 20 ms interval inside 400 ms).
            assertTrue(lag.max(TimeUnit.MILLISECONDS) >= 300, "lag max " + lag.max(TimeUnit.MILLISECONDS) + " ms");

            probe.close();
            long stopped = lag.count();
            Thread.sleep(100); // a negative check: nothing to poll for, so wait five probe intervals
            assertTrue(lag.count() <= stopped + 1, "the probe stops after close");
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }
}
