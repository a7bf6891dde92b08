package io.sigcar.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The lag probe sits on the loop that serves requests: a handler that holds that loop shows up as lag. */
class EventLoopLagTest {

    private static final Duration HOLD = Duration.ofMillis(1000);
    private static final Duration LONG = Duration.ofMillis(800);

    @Test
    void aRequestHandlerHoldingTheLoopIsMeasuredAsLag() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            Timer lag = Timer.builder("lag").serviceLevelObjectives(LONG).register(new SimpleMeterRegistry());
            AtomicReference<EventLoopLag> started = new AtomicReference<>();
            // Same wiring as Sidecar.start(): the probe starts on the listener's context once it is bound.
            HttpServer server = vertx.createHttpServer().requestHandler(req -> {
                long until = System.nanoTime() + HOLD.toNanos();
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                req.response().end("held");
            }).listen(0, "127.0.0.1").map(s -> {
                EventLoopLag p = new EventLoopLag(vertx, vertx.getOrCreateContext(), lag, Duration.ofMillis(20));
                p.start();
                started.set(p);
                return s;
            }).await(10, TimeUnit.SECONDS);
            awaitCount(lag, 3);
            long longBefore = longSamples(lag);

            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.actualPort() + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("held", r.body());
            awaitCount(lag, lag.count() + 2);
            // The tick due while the handler spun fired ~980 ms late (a 20 ms interval inside a 1 s hold).
            assertTrue(longSamples(lag) > longBefore, "no sample over " + LONG + " after holding the loop " + HOLD
                    + "; max " + lag.max(TimeUnit.MILLISECONDS) + " ms");

            started.get().close();
            long stopped = lag.count();
            Thread.sleep(200); // a negative check: nothing to poll for, so wait ten probe intervals
            // A tick already due may still land once (close cancels on the loop, asynchronously); none after it.
            assertTrue(lag.count() <= stopped + 1, "the probe stops after close: " + stopped + " -> " + lag.count());
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    private static long longSamples(Timer lag) {
        long under = 0;
        for (CountAtBucket b : lag.takeSnapshot().histogramCounts()) {
            if (b.bucket(TimeUnit.NANOSECONDS) == LONG.toNanos()) {
                under = (long) b.count();
            }
        }
        return lag.count() - under;
    }

    private static void awaitCount(Timer lag, long n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (lag.count() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(lag.count() >= n, "the probe ticks: " + lag.count() + " of " + n);
    }
}
