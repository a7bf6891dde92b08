package io.sigcar.record;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.Crypto;
import io.sigcar.reject.Reason;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;

/**
 * Every meter Sigcar exports, declared in this one class. Label values come only from
 * config and enums (route names, outcomes, reasons, schemes, algorithms), never from an
 * unverified request, so the series count is bounded.
 */
public final class Metrics {

    private final MeterRegistry registry;
    private final Duration[] buckets;
    private final Map<String, Map<Outcome, Timer>> requestTimers = new HashMap<>();
    /** Per scheme, per algorithm (null key: the request did not verify); built lazily, read without allocating. */
    private final Map<String, Map<Algorithm, Timer>> verifyTimers = new ConcurrentHashMap<>();
    private final Map<String, Timer> unverifiedTimers = new ConcurrentHashMap<>();
    private final Timer upstreamTimer;
    /** The app's answers by status class, 1xx to 5xx (anything else counts as 5xx). */
    private final Counter[] upstreamResponses = new Counter[5];
    private final Map<Reason, Counter> rejections = new EnumMap<>(Reason.class);
    private final Counter auditDropped;

    public Metrics(MeterRegistry registry, double[] bucketSeconds, List<String> routeNames) {
        this.registry = registry;
        this.buckets = Arrays.stream(bucketSeconds).mapToObj(s -> Duration.ofNanos((long) (s * 1e9)))
                .toArray(Duration[]::new);
        for (String route : routeNames) {
            Map<Outcome, Timer> byOutcome = new EnumMap<>(Outcome.class);
            for (Outcome o : Outcome.values()) {
                byOutcome.put(o, histogram("sigcar.request.duration", "Whole request, accept to last response byte")
                        .tag("outcome", o.label()).tag("route", route).register(registry));
            }
            requestTimers.put(route, byOutcome);
        }
        upstreamTimer = histogram("sigcar.upstream.duration", "App response time, request sent to response head")
                .register(registry);
        for (int i = 0; i < upstreamResponses.length; i++) {
            upstreamResponses[i] = Counter.builder("sigcar.upstream.responses")
                    .description("Answers from the app, by status class").tag("code", (i + 1) + "xx").register(registry);
        }
        for (Reason r : Reason.values()) {
            rejections.put(r, Counter.builder("sigcar.rejections").description("Requests refused, by reason")
                    .tag("reason", r.code()).register(registry));
        }
        auditDropped = Counter.builder("sigcar.audit.dropped")
                .description("Audit lines dropped because the writer fell behind").register(registry);
    }

    /**
     * The JVM's and the process's own meters (memory, GC, threads, classes, CPU). Sigcar binds
     * them once it listens, off the event loop: they cost ~20 ms of a cold start's CPU and no
     * request needs them.
     */
    public void bindJvm() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    private Timer.Builder histogram(String name, String description) {
        return Timer.builder(name).description(description).serviceLevelObjectives(buckets)
                .minimumExpectedValue(buckets[0]).maximumExpectedValue(buckets[buckets.length - 1]);
    }

    public void request(String route, Outcome outcome, long nanos) {
        requestTimers.get(route).get(outcome).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** Runs on the event loop for every verified request: two map reads, no key built per call. */
    public void verify(String scheme, Algorithm algorithm, long nanos) {
        Timer timer = algorithm == null
                ? unverifiedTimers.computeIfAbsent(scheme, s -> verifyTimer(s, "none"))
                : verifyTimers.computeIfAbsent(scheme, s -> new ConcurrentHashMap<>())
                        .computeIfAbsent(algorithm, a -> verifyTimer(scheme, a.id()));
        timer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    private Timer verifyTimer(String scheme, String alg) {
        return histogram("sigcar.verify.duration", "Signature verification, on the event loop")
                .tag("scheme", scheme).tag("alg", alg).register(registry);
    }

    /** The app answered with {@code status}, {@code nanos} after the request was sent. */
    public void upstream(int status, long nanos) {
        upstreamTimer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        int index = status / 100 - 1;
        upstreamResponses[index >= 0 && index < upstreamResponses.length ? index : upstreamResponses.length - 1]
                .increment();
    }

    public void rejected(Reason reason) {
        rejections.get(reason).increment();
    }

    public void auditDropped() {
        auditDropped.increment();
    }

    /** Which provider serves each algorithm (value 1), and whether native crypto fell back (1) or not (0). */
    public void crypto(Crypto crypto) {
        for (Algorithm a : Algorithm.values()) {
            Gauge.builder("sigcar.crypto.provider", () -> 1).description("Crypto provider serving each algorithm")
                    .tag("algorithm", a.id()).tag("provider", crypto.providerFor(a)).register(registry);
        }
        Gauge.builder("sigcar.crypto.fallback", () -> crypto.fallbackActive() ? 1 : 0)
                .description("1 when native crypto could not load and Bouncy Castle serves instead").register(registry);
    }

    /** Event-loop lag, one sample per probe tick: histogram buckets plus the recent maximum. */
    public Timer eventLoopLag() {
        return histogram("sigcar.event.loop.lag", "How late a timer on the request event loop fired")
                .register(registry);
    }

    /**
     * Load and leak gauges: open client connections, requests in flight, and the direct
     * memory Netty's default allocator holds (what a leaked buffer would grow).
     */
    public void load(java.util.function.IntSupplier connections, java.util.function.IntSupplier inFlight) {
        Gauge.builder("sigcar.connections.active", connections::getAsInt)
                .description("Open client connections").register(registry);
        Gauge.builder("sigcar.requests.inflight", inFlight::getAsInt)
                .description("Requests admitted and not yet finished").register(registry);
        if (io.netty.buffer.ByteBufAllocator.DEFAULT instanceof io.netty.buffer.ByteBufAllocatorMetricProvider p) {
            Gauge.builder("sigcar.buffers.direct", p, m -> m.metric().usedDirectMemory()).baseUnit("bytes")
                    .description("Direct memory held by Netty's default allocator").register(registry);
        }
    }

    /** The forward stage's gauges: requests at the app, and the HTTP/1.x path's app connections. */
    public void forwarding(java.util.function.IntSupplier active, java.util.function.IntSupplier links) {
        Gauge.builder("sigcar.upstream.active", active::getAsInt)
                .description("Requests sent to the app whose answer is not yet relayed to its end").register(registry);
        Gauge.builder("sigcar.upstream.connections", links::getAsInt)
                .description("App connections open for HTTP/1.x requests, busy or idle").register(registry);
    }

    /**
     * The shared replay store's meters, registered only when one is configured: each claim's
     * round trip, the claims it did not answer in time, and whether it answered the last one.
     */
    public io.sigcar.verify.replay.SharedReplay.Listener replayStore(java.util.function.BooleanSupplier up) {
        Timer duration = histogram("sigcar.replay.store.duration", "Shared replay store round trip per request")
                .register(registry);
        Counter errors = Counter.builder("sigcar.replay.store.errors")
                .description("Claims the shared replay store did not answer in time (the request got 503)")
                .register(registry);
        Gauge.builder("sigcar.replay.store.up", () -> up.getAsBoolean() ? 1 : 0)
                .description("1 while the shared replay store answers, 0 after a claim it did not").register(registry);
        return (nanos, answered) -> {
            duration.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
            if (!answered) {
                errors.increment();
            }
        };
    }

    /** A gauge read from live state, e.g. keys loaded or nonce-cache fill. */
    public void gauge(String name, String description, DoubleSupplier value) {
        Gauge.builder(name, value::getAsDouble).description(description).register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }
}
