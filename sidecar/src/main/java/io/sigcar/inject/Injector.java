package io.sigcar.inject;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sigcar.config.HostPort;
import io.sigcar.record.AdminServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** One running injector, wired in flow order: TLS server, review endpoint, admission handler, mutator; plus admin. */
public final class Injector implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Injector.class.getName());
    /** The API server caps objects near 3 MiB; a review carries one pod, so this is generous. */
    public static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

    /** Everything {@code sigcar inject} is started with. */
    public record Options(InjectorConfig config, TlsFiles tls, HostPort listen, HostPort admin, String namespace,
            String version, Duration tlsPoll) {}

    /** The ports actually bound (they differ from the options when those ask for port 0). */
    public record Ports(int webhook, int admin) {}

    private final Options options;
    private final Vertx vertx;
    private final PrometheusMeterRegistry registry;
    private final TlsServer tls;
    private final AdminServer admin;
    private final ReviewEndpoint endpoint;
    private final AdmissionHandler handler;
    private volatile boolean ready;

    public Injector(Options options) {
        this.options = options;
        this.vertx = Vertx.vertx();
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        InjectorMetrics metrics = new InjectorMetrics(registry);
        this.handler = new AdmissionHandler(new PodMutator(options.config(), options.version()),
                options.namespace());
        this.endpoint = new ReviewEndpoint(vertx, handler, metrics, MAX_BODY_BYTES);
        this.tls = new TlsServer(vertx, options.tls(), options.tlsPoll(), metrics::tlsReloaded);
        this.admin = new AdminServer(vertx, registry, () -> ready);
    }

    /** Listens; reports ready only once one review has run, so the API server never meets a cold JVM. */
    public Future<Ports> start() {
        HttpServerOptions base = new HttpServerOptions().setIdleTimeout(60).setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setMaxInitialLineLength(4096).setMaxHeaderSize(16384);
        return admin.listen(options.admin()).compose(a -> tls.listen(options.listen().host(), options.listen().port(),
                base, endpoint).compose(s -> warmTls(s.actualPort()).compose(v -> vertx.executeBlocking(this::warmUp,
                        false)).map(warm -> {
                    ready = true;
                    LOG.log(Level.INFO, "sigcar injector listening on https://{0}:{1}/inject, admin on port {2}, "
                            + "own namespace {3}; warmed up in {4} ms", options.listen().host(),
                            String.valueOf(s.actualPort()), String.valueOf(a.actualPort()), options.namespace(),
                            String.valueOf(warm));
                    return new Ports(s.actualPort(), a.actualPort());
                })));
    }

    /** One TLS handshake with ourselves: the first one loads the TLS stack, which takes seconds when cold. */
    private Future<Void> warmTls(int port) {
        String host = options.listen().host();
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            host = "127.0.0.1";
        }
        // Only a handshake to our own listener, never a request: nothing is sent, so no trust is needed.
        NetClient client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(10_000));
        return client.connect(new ConnectOptions().setHost(host).setPort(port).setSsl(true)
                        .setSslOptions(new ClientSSLOptions().setTrustAll(true).setHostnameVerificationAlgorithm("")))
                .compose(NetSocket::close)
                .recover(e -> {
                    LOG.log(Level.WARNING, "TLS warm-up handshake failed: {0}", e.toString());
                    return Future.succeededFuture();
                }).eventually(client::close);
    }

    /**
     * The first review loads the model classes and the JSON machinery, which takes seconds on a
     * busy node: longer than the API server's webhook timeout. Run one before reporting ready.
     */
    private long warmUp() {
        long start = System.nanoTime();
        String review = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{"
                + "\"uid\":\"warm-up\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
                + "\"namespace\":\"warm-up\",\"operation\":\"CREATE\",\"object\":{\"apiVersion\":\"v1\","
                + "\"kind\":\"Pod\",\"metadata\":{\"name\":\"warm-up\",\"labels\":{\"sigcar.io/inject\":\"true\"}},"
                + "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"app\",\"ports\":[{\"name\":\"http\","
                + "\"containerPort\":8080}]}]}}}}";
        AdmissionHandler.Response r = handler.review(review.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                Decision.OptIn.POD);
        if (r.result() == AdmissionHandler.Result.ERROR) {
            // Not fatal for start-up (the config may legitimately refuse this sample), but worth a look.
            LOG.log(Level.WARNING, "warm-up review was answered with an error: {0}", r.reason());
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        ready = false;
        tls.close().toCompletionStage().toCompletableFuture().join();
        admin.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }
}
