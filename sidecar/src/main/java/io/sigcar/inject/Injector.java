package io.sigcar.inject;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sigcar.config.HostPort;
import io.sigcar.record.AdminServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
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
    private volatile boolean ready;

    public Injector(Options options) {
        this.options = options;
        this.vertx = Vertx.vertx();
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        InjectorMetrics metrics = new InjectorMetrics(registry);
        AdmissionHandler handler = new AdmissionHandler(new PodMutator(options.config(), options.version()),
                options.namespace());
        this.endpoint = new ReviewEndpoint(vertx, handler, metrics, MAX_BODY_BYTES);
        this.tls = new TlsServer(vertx, options.tls(), options.tlsPoll(), metrics::tlsReloaded);
        this.admin = new AdminServer(vertx, registry, () -> ready);
    }

    public Future<Ports> start() {
        HttpServerOptions base = new HttpServerOptions().setIdleTimeout(60).setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setMaxInitialLineLength(4096).setMaxHeaderSize(16384);
        return admin.listen(options.admin()).compose(a -> tls.listen(options.listen().host(), options.listen().port(),
                base, endpoint).map(s -> {
                    ready = true;
                    LOG.log(Level.INFO, "sigcar injector listening on https://{0}:{1}/inject, admin on port {2}, "
                            + "own namespace {3}", options.listen().host(), String.valueOf(s.actualPort()),
                            String.valueOf(a.actualPort()), options.namespace());
                    return new Ports(s.actualPort(), a.actualPort());
                }));
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
