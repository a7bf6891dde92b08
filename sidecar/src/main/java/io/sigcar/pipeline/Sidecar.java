package io.sigcar.pipeline;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sigcar.accept.Acceptor;
import io.sigcar.accept.BodyReader;
import io.sigcar.accept.Channels;
import io.sigcar.accept.ConnectionGuard;
import io.sigcar.accept.wire.Wire;
import io.sigcar.accept.wire.WireTransport;
import io.sigcar.config.SidecarConfig;
import io.sigcar.crypto.Crypto;
import io.sigcar.forward.Forwarder;
import io.sigcar.policy.Policy;
import io.sigcar.record.AdminServer;
import io.sigcar.record.AuditLog;
import io.sigcar.record.EventLoopLag;
import io.sigcar.record.Metrics;
import io.sigcar.record.Recorder;
import io.sigcar.verify.VerifyStage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpServer;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One running sidecar: builds every stage from the config, listens, and drains on stop.
 * Start-up order matters: keys load before the listener opens, so readiness is honest.
 */
public final class Sidecar implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Sidecar.class.getName());
    private static final java.time.Duration LAG_PROBE_INTERVAL = java.time.Duration.ofMillis(100);

    private final SidecarConfig config;
    private final Vertx vertx;
    private final PrometheusMeterRegistry registry;
    private final Metrics metrics;
    private final AuditLog audit;
    private final Forwarder forwarder;
    private final AdminServer admin;
    private final Verification verification;
    private volatile EventLoopLag lag;
    private final ConnectionGuard guard;
    /** The proxy listener's port (the configured one, or the bound one when the config says 0). */
    private final java.util.concurrent.atomic.AtomicInteger proxyPort = new java.util.concurrent.atomic.AtomicInteger();
    /** The admin listener's bound port, 0 until it listens. */
    private final java.util.concurrent.atomic.AtomicInteger adminPort = new java.util.concurrent.atomic.AtomicInteger();
    /** The admin listener's address, or null when it listens on every address (the port then decides alone). */
    private volatile java.net.InetAddress adminAddress;
    private HttpServer server;
    private volatile boolean ready;

    /** @param verification builds the verifiers (and their key store) once crypto and metrics exist */
    public Sidecar(SidecarConfig config, Crypto crypto, InstantSource clock, OutputStream auditOut,
            Function<Context, Verification> verification) {
        Channels.check(); // the connection layer reaches below Vert.x's API: fail here, not under load
        this.config = config;
        this.proxyPort.set(config.listen().port());
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // The wire guards are built into the transport, before the meters and the connection guard
        // exist: it reaches them through these.
        var cuts = new java.util.concurrent.atomic.AtomicReference<Metrics>();
        var guards = new java.util.concurrent.atomic.AtomicReference<ConnectionGuard>();
        // The admin listener gets none of the proxy's guards (head deadline, obs-fold, stall
        // watch, connection limit): a scrape is not a client. Until its port is known, every
        // connection is guarded.
        var wire = new Wire(config.limits().requestTimeout(), config.limits().sendTimeout(), reason -> {
            Metrics m = cuts.get();
            if (m != null) {
                m.rejected(reason);
            }
        }, accepted -> {
            // Only the proxy's connections count (an admin connection accepted before the admin
            // port was known is guarded, but not counted).
            ConnectionGuard g = guards.get();
            return g == null || !(accepted.localAddress() instanceof java.net.InetSocketAddress local)
                    || local.getPort() != proxyPort.get() || g.accept(accepted);
        });
        this.vertx = Vertx.builder()
                // Sigcar serves no files: no class-path file resolver, so no cache directory to create
                // (/tmp/vertx-cache) at start and delete at exit; the image's launcher said so already.
                .with(new VertxOptions().setFileSystemOptions(new FileSystemOptions()
                        .setClassPathResolvingEnabled(false).setFileCachingEnabled(false)))
                .withTransport(new WireTransport(channel -> isAdmin(channel) ? java.util.List.of() : wire.guards()))
                // No Vert.x metrics: Sigcar's own meters measure the same exchanges (requests, the app's
                // answers, connections), and Vert.x's cost about 4 % of the CPU per request beside them.
                .build();
        Policy policy = new Policy(config.routes());
        this.metrics = new Metrics(registry, config.histogramBuckets(), policy.routeNames());
        metrics.crypto(crypto);
        cuts.set(metrics);
        this.audit = config.audit() ? new AuditLog(auditOut, metrics) : null;
        this.verification = verification.apply(new Context(config, crypto, metrics, clock, vertx));
        this.forwarder = new Forwarder(vertx, config.upstream(), config.limits().sendTimeout());
        metrics.forwarding(forwarder::active, forwarder::links);
        Acceptor acceptor = new Acceptor(config.limits());
        this.guard = new ConnectionGuard(vertx, config.limits(), metrics::rejected);
        String heap = ConnectionGuard.heapWarning(config.limits().maxConnections(), Runtime.getRuntime().maxMemory());
        if (heap != null) {
            LOG.log(Level.WARNING, heap);
        }
        guards.set(guard);
        metrics.load(guard::connections, guard::inFlight);
        // The stages a request meets, in order (see Pipeline).
        Pipeline pipeline = new Pipeline(Stages.of(guard, acceptor, policy,
                new BodyReader(vertx, config.limits().requestTimeout()), config.limits().maxBodyBytes(),
                new VerifyStage(this.verification.verifiers(), metrics, this.verification.shared()), forwarder, metrics),
                acceptor, new Recorder(metrics, audit), clock);
        this.server = vertx.createHttpServer(acceptor.serverOptions()).connectionHandler(guard::connected)
                .requestHandler(pipeline).invalidRequestHandler(pipeline::invalid);
        this.admin = new AdminServer(vertx, registry, () -> ready && this.verification.ready().getAsBoolean());
    }

    /** What the verification builder gets to work with. */
    public record Context(SidecarConfig config, Crypto crypto, Metrics metrics, InstantSource clock, Vertx vertx) {}

    /** The verifiers and the state behind them (keys, nonce cache) that must be closed with the sidecar. */
    public record Verification(java.util.List<io.sigcar.verify.Verifier> verifiers,
            java.util.function.BooleanSupplier ready, AutoCloseable resources,
            io.sigcar.verify.replay.SharedReplay shared) {

        /** No shared replay store: the local table decides alone. */
        public Verification(java.util.List<io.sigcar.verify.Verifier> verifiers,
                java.util.function.BooleanSupplier ready, AutoCloseable resources) {
            this(verifiers, ready, resources, null);
        }
    }

    /** The ports actually bound (they differ from the config when it asks for port 0). */
    public record Ports(int proxy, int admin) {}

    /** Opens the admin and proxy listeners. */
    public Future<Ports> start() {
        try {
            java.net.InetAddress bound = java.net.InetAddress.getByName(config.admin().host());
            adminAddress = bound.isAnyLocalAddress() ? null : bound;
        } catch (java.net.UnknownHostException e) {
            return Future.failedFuture(e);
        }
        return admin.listen(config.admin()).compose(a -> {
            adminPort.set(a.actualPort());
            return server.listen(config.listen().port(), config.listen().host()).map(s -> {
                proxyPort.set(s.actualPort());
                // Runs on the listener's own context: without a verticle, the loop every request runs on.
                // Probing from here, not earlier, keeps start-up work (binding, class loading) out of the lag.
                lag = new EventLoopLag(vertx, vertx.getOrCreateContext(), metrics.eventLoopLag(), LAG_PROBE_INTERVAL);
                lag.start();
                vertx.executeBlocking(() -> {
                    metrics.bindJvm();
                    return null;
                });
                ready = true;
                LOG.log(Level.INFO, "sigcar listening on {0}:{1}, forwarding to {2}, admin on port {3}",
                        config.listen().host(), String.valueOf(s.actualPort()), config.upstream().address(),
                        String.valueOf(a.actualPort()));
                return new Ports(s.actualPort(), a.actualPort());
            });
        });
    }

    /** A connection the admin listener accepted (known once it listens; until then, none is). */
    private boolean isAdmin(io.netty.channel.Channel channel) {
        int admin = adminPort.get();
        if (admin == 0 || !(channel.localAddress() instanceof java.net.InetSocketAddress local)
                || local.getPort() != admin) {
            return false;
        }
        // The two listeners may share a port number on two addresses: then the address decides.
        java.net.InetAddress address = adminAddress;
        return address == null || address.equals(local.getAddress());
    }

    /**
     * Graceful stop for SIGTERM: report not-ready, stop accepting, let in-flight requests
     * finish within the drain timeout, then close everything.
     */
    @Override
    public void close() {
        ready = false;
        guard.drain();
        try {
            server.shutdown(config.drainTimeout()).toCompletionStage().toCompletableFuture()
                    .get(config.drainTimeout().toMillis() + 2_000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.log(Level.WARNING, "drain did not finish cleanly: {0}", e.toString());
        }
        if (lag != null) {
            lag.close();
        }
        forwarder.close();
        admin.close();
        try {
            verification.resources().close();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "closing keys failed: {0}", e.toString());
        }
        vertx.close().toCompletionStage().toCompletableFuture().join();
        if (audit != null) {
            audit.close();
        }
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }
}
