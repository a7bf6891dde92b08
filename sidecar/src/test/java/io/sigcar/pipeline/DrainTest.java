package io.sigcar.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SIGTERM to a real {@code sigcar proxy} process while the app holds 200 requests: the sidecar
 * stops being ready, tells clients it is going (HTTP/1.1 {@code Connection: close}, HTTP/2 GOAWAY),
 * delivers every held answer once the app sends it, and exits 0 well inside the drain timeout.
 */
class DrainTest {

    static final int IN_FLIGHT = 200;

    record Answer(int status, String body, String connection) {}

    @ParameterizedTest
    @EnumSource(value = HttpVersion.class, names = {"HTTP_1_1", "HTTP_2"})
    void sigtermWithTwoHundredInFlightLosesNone(HttpVersion version, @TempDir Path dir, @TempDir Path keys)
            throws Exception {
        java.nio.file.Files.write(keys.resolve("k1"), new byte[32]);
        Vertx vertx = Vertx.vertx();
        try (FaultyApp app = new FaultyApp();
                SidecarProcess sidecar = new SidecarProcess(dir, List.of("-Xmx256m"), "--keys", keys.toString(),
                        "--upstream", "127.0.0.1:" + app.port(), "--routes", "name=all,path=/,action=allow",
                        "--drain-timeout", "10s", "--upstream-pool", "256", "--audit", "false")) {
            AtomicInteger goAways = new AtomicInteger();
            HttpClientAgent client = vertx.httpClientBuilder()
                    .with(new HttpClientOptions().setProtocolVersion(version).setHttp2ClearTextUpgrade(false)
                            .setKeepAlive(true))
                    .with(new PoolOptions().setHttp1MaxSize(IN_FLIGHT).setHttp2MaxSize(8))
                    .withConnectHandler(conn -> {
                        if (conn.protocolVersion() == HttpVersion.HTTP_2) { // HTTP/1.x has no GOAWAY
                            conn.goAwayHandler(g -> goAways.incrementAndGet());
                        }
                    })
                    .build();
            List<Future<Answer>> answers = new ArrayList<>();
            for (int i = 0; i < IN_FLIGHT; i++) {
                answers.add(client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
                        .setPort(sidecar.port).setURI("/hold").setTimeout(30_000))
                        .compose(req -> req.send().compose(resp -> resp.body().map(body -> new Answer(
                                resp.statusCode(), body.toString(), resp.getHeader("connection"))))));
            }
            Load.await("the app to hold " + IN_FLIGHT + " requests", 30_000,
                    () -> app.arrivals.get() == IN_FLIGHT);

            long sigterm = System.nanoTime();
            sidecar.process.destroy(); // SIGTERM
            Load.await("readiness to drop", 5_000, () -> {
                try {
                    return sidecar.admin("/readyz").statusCode() != 200;
                } catch (java.io.IOException closed) {
                    return true;
                }
            });
            if (version == HttpVersion.HTTP_2) {
                Load.await("GOAWAY", 5_000, () -> goAways.get() > 0);
            }
            long released = System.nanoTime();
            app.release();

            int ok = 0;
            int closing = 0;
            for (Future<Answer> f : answers) {
                Answer a = f.await(20, TimeUnit.SECONDS);
                assertEquals(200, a.status(), a.toString());
                assertEquals("held", a.body());
                ok++;
                if ("close".equalsIgnoreCase(a.connection())) {
                    closing++;
                }
            }
            assertTrue(sidecar.process.waitFor(25, TimeUnit.SECONDS), "no exit after SIGTERM: " + sidecar.output());
            long exited = System.nanoTime();
            assertEquals(0, sidecar.process.exitValue(), sidecar.output());
            long toExit = (exited - sigterm) / 1_000_000;
            long afterRelease = (exited - released) / 1_000_000;
            if (version == HttpVersion.HTTP_1_1) {
                assertEquals(IN_FLIGHT, closing, "every HTTP/1.1 answer during the drain says Connection: close");
            } else {
                assertTrue(goAways.get() > 0, "HTTP/2 connections got GOAWAY");
            }
            assertTrue(toExit < 10_000, "exit " + toExit + " ms after SIGTERM, drain timeout 10 s");
            System.out.printf("drain %s: %d/%d answered 200, %d Connection: close, %d GOAWAY; exit %d ms after"
                    + " SIGTERM, %d ms after the app answered%n", version, ok, IN_FLIGHT, closing, goAways.get(),
                    toExit, afterRelease);
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }
}
