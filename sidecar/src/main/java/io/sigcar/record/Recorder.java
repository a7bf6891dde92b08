package io.sigcar.record;

import io.sigcar.reject.Reason;
import java.time.Instant;

/** The record stage: every finished request becomes a histogram sample, a rejection count and an audit line. */
public final class Recorder {

    /** What is recorded of one request. {@code keyId} is set only once a signature verified. */
    public record Facts(String route, String method, String path, String keyId, Outcome outcome, Reason reason,
            int status, long nanos, Instant receivedAt) {}

    private final Metrics metrics;
    private final AuditLog audit;

    /** @param audit null to skip audit lines */
    public Recorder(Metrics metrics, AuditLog audit) {
        this.metrics = metrics;
        this.audit = audit;
    }

    public void finish(Facts f) {
        metrics.request(f.route(), f.outcome(), f.nanos());
        if (f.reason() != null) {
            metrics.rejected(f.reason());
        }
        if (audit != null) {
            audit.write(new AuditLog.Entry(f.receivedAt(), f.route(), f.method(), f.path(), f.keyId(), f.outcome(),
                    f.reason() == null ? null : f.reason().code(), f.status(), f.nanos() / 1000));
        }
    }

    public Metrics metrics() {
        return metrics;
    }
}
