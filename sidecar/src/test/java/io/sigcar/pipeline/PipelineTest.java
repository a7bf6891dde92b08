package io.sigcar.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sigcar.accept.Acceptor;
import io.sigcar.config.Field;
import io.sigcar.config.Settings;
import io.sigcar.config.SidecarConfig;
import io.sigcar.pipeline.Stage.Step;
import io.sigcar.record.Metrics;
import io.sigcar.record.Recorder;
import io.sigcar.reject.Reason;
import io.sigcar.reject.Rejection;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link Stage} contract as {@link Pipeline} runs it, on a real Vert.x server and real
 * sockets: every stage's head step in order, then every body step; a refusal, a failed wait or
 * an exception ends the trip there, and only the exchange answers and records.
 */
class PipelineTest {

    @TempDir
    Path keys; // the config requires a key directory; these stages read none

    private final List<String> seen = new CopyOnWriteArrayList<>();
    private Vertx vertx;
    private HttpServer server;
    private PrometheusMeterRegistry registry;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Notes each step it is asked for. */
    private Stage log(String name) {
        return new Stage() {
            @Override
            public Step onHead(Exchange ex) {
                seen.add(name + ".head");
                return Step.CONTINUE;
            }

            @Override
            public Step onBody(Exchange ex) {
                seen.add(name + ".body");
                return Step.CONTINUE;
            }
        };
    }

    /** Stands in for the forward stage: answers 200 itself. */
    private Stage answer() {
        return new Stage() {
            @Override
            public Step onBody(Exchange ex) {
                ex.forwarding();
                ex.answered(200);
                ex.request().response().end("ok");
                return Step.CONTINUE;
            }
        };
    }

    private HttpResponse<String> get(List<Stage> stages) throws Exception {
        Metrics metrics = new Metrics(registry, new double[] {0.1}, List.of("default"));
        Pipeline pipeline = new Pipeline(stages, new Acceptor(
                SidecarConfig.from(Settings.load(Optional.empty(), Map.of(), Map.of(Field.KEYS, keys.toString()))).limits()),
                new Recorder(metrics, null), Clock.systemUTC());
        server = vertx.createHttpServer().requestHandler(pipeline).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + "/x"))
                .timeout(java.time.Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private double counted(String series) {
        return registry.scrape().lines().filter(l -> l.startsWith(series + " ")).mapToDouble(
                l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void everyHeadStepRunsBeforeAnyBodyStep() throws Exception {
        var answered = get(List.of(log("a"), log("b"), answer()));
        assertEquals(200, answered.statusCode());
        assertEquals(List.of("a.head", "b.head", "a.body", "b.body"), seen);
        assertEquals(1, counted("sigcar_request_duration_seconds_count{outcome=\"allowed\",route=\"default\"}"),
                registry.scrape());
    }

    @Test
    void aRefusalEndsTheTripWithItsReason() throws Exception {
        Stage refuse = new Stage() {
            @Override
            public Step onHead(Exchange ex) {
                return new Step.Reject(new Rejection(Reason.DENIED, "test", false));
            }
        };
        var answered = get(List.of(log("a"), refuse, log("b"), answer()));
        assertEquals(Reason.DENIED.publicFace().status(), answered.statusCode());
        assertTrue(answered.body().contains("\"reason\":\"denied\""), answered.body());
        assertEquals(List.of("a.head"), seen);
        assertEquals(1, counted("sigcar_rejections_total{reason=\"denied\"}"), registry.scrape());
    }

    @Test
    void aWaitGoesOnWhenItSucceedsAndEndsTheTripWhenItFails() throws Exception {
        Stage later = new Stage() {
            @Override
            public Step onHead(Exchange ex) {
                Promise<Void> done = Promise.promise();
                vertx.setTimer(50, id -> done.complete());
                return new Step.Await(done.future());
            }
        };
        assertEquals(200, get(List.of(later, log("a"), answer())).statusCode());
        assertEquals(List.of("a.head", "a.body"), seen);

        server.close();
        seen.clear();
        Stage failing = new Stage() {
            @Override
            public Step onBody(Exchange ex) {
                return new Step.Await(Future.failedFuture(new Rejection(Reason.REPLAYED, "test", false)));
            }
        };
        var answered = get(List.of(log("a"), failing, log("b"), answer()));
        assertEquals(Reason.REPLAYED.publicFace().status(), answered.statusCode());
        assertEquals(List.of("a.head", "b.head", "a.body"), seen);
    }

    @Test
    void anExceptionInAStageIsA500InternalErrorNotTheRequestsFault() throws Exception {
        Stage broken = new Stage() {
            @Override
            public Step onHead(Exchange ex) {
                throw new IllegalStateException("a bug");
            }
        };
        var answered = get(List.of(broken, log("b"), answer()));
        assertEquals(500, answered.statusCode());
        assertTrue(answered.body().contains("\"reason\":\"internal_error\""), answered.body());
        assertEquals(List.of(), seen);
        assertEquals(1, counted("sigcar_rejections_total{reason=\"internal_error\"}"), registry.scrape());
    }
}
