package io.sigcar.inject;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Every meter the injector exports, declared in this one class; labels come from enums only. */
public final class InjectorMetrics {

    private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2),
        Duration.ofSeconds(5)};

    private final Map<AdmissionHandler.Result, Counter> reviews = new EnumMap<>(AdmissionHandler.Result.class);
    private final Map<SkipReason, Counter> skipped = new EnumMap<>(SkipReason.class);
    private final Counter injected;
    private final Timer reviewTime;
    private final Counter tlsReloads;
    private final Counter tlsReloadFailures;

    public InjectorMetrics(MeterRegistry registry) {
        for (AdmissionHandler.Result r : AdmissionHandler.Result.values()) {
            reviews.put(r, Counter.builder("sigcar.injector.reviews").description("AdmissionReviews answered, by result")
                    .tag("result", r.label()).register(registry));
        }
        for (SkipReason s : SkipReason.values()) {
            skipped.put(s, Counter.builder("sigcar.injector.skipped").description("Pods left alone, by reason")
                    .tag("reason", s.code()).register(registry));
        }
        injected = Counter.builder("sigcar.injector.injected").description("Pods given the sidecar").register(registry);
        reviewTime = Timer.builder("sigcar.injector.review").description("Time to answer one AdmissionReview")
                .serviceLevelObjectives(BUCKETS).minimumExpectedValue(BUCKETS[0])
                .maximumExpectedValue(BUCKETS[BUCKETS.length - 1]).register(registry);
        tlsReloads = Counter.builder("sigcar.injector.tls.reloads")
                .description("Certificate changes picked up from the files").register(registry);
        tlsReloadFailures = Counter.builder("sigcar.injector.tls.reload.failures")
                .description("Certificate changes refused (the previous certificate is still served)")
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    /** One answered review: the result counter, the injected or skipped counter, and the latency. */
    public void review(AdmissionHandler.Response r, long nanos) {
        reviews.get(r.result()).increment();
        if (r.result() == AdmissionHandler.Result.PATCHED) {
            injected.increment();
        } else if (r.result() == AdmissionHandler.Result.SKIPPED) {
            for (SkipReason s : SkipReason.values()) {
                if (s.code().equals(r.reason())) {
                    skipped.get(s).increment();
                }
            }
        }
        reviewTime.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A request that never reached the handler (too large, wrong path or method). */
    public void rejectedRequest(long nanos) {
        reviews.get(AdmissionHandler.Result.ERROR).increment();
        reviewTime.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void tlsReloaded(boolean ok) {
        (ok ? tlsReloads : tlsReloadFailures).increment();
    }
}
