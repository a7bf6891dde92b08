package io.sigcar.verify;

import io.sigcar.policy.Route;
import io.sigcar.record.Metrics;
import io.sigcar.reject.Reason;
import io.sigcar.verify.replay.SharedReplay;
import io.vertx.core.Future;
import java.lang.System.Logger.Level;
import java.util.List;

/**
 * The verify stage: picks the scheme a request uses among those its route accepts, runs
 * it inline on the event loop, times it, and applies the route's keyid restriction.
 */
public final class VerifyStage {

    private static final System.Logger LOG = System.getLogger(VerifyStage.class.getName());

    private final List<Verifier> verifiers;
    private final Metrics metrics;
    private final SharedReplay shared;

    public VerifyStage(List<Verifier> verifiers, Metrics metrics) {
        this(verifiers, metrics, null);
    }

    /** @param shared the replay store all replicas share, or null for the local table alone */
    public VerifyStage(List<Verifier> verifiers, Metrics metrics, SharedReplay shared) {
        this.verifiers = List.copyOf(verifiers);
        this.metrics = metrics;
        this.shared = shared;
    }

    /**
     * Whether {@link #confirm} has work to do for this verdict: the local table accepted a nonce
     * or webhook id that the shared store must accept too.
     */
    public boolean needsConfirmation(Verdict verdict) {
        return shared != null && verdict instanceof Verdict.Verified ok && !ok.claims().isEmpty();
    }

    /** The verdict once the shared store has had its say: the same, or refused as replayed or unavailable. */
    public Future<Verdict> confirm(Verdict verdict) {
        if (!needsConfirmation(verdict)) {
            return Future.succeededFuture(verdict);
        }
        return shared.claim(((Verdict.Verified) verdict).claims()).map(refused -> refused.<Verdict>map(r ->
                Verdict.reject(r, r == Reason.REPLAYED ? "another replica accepted this nonce or webhook already"
                        : "the shared replay store did not answer in time")).orElse(verdict));
    }

    public Verdict verify(SignedRequest request, Route route) {
        boolean anyScheme = false;
        for (Verifier v : verifiers) {
            if (!route.schemes().isEmpty() && !route.schemes().contains(v.scheme())) {
                continue;
            }
            anyScheme = true;
            if (v.applies(request)) {
                return restrictKeys(timed(v, request), route);
            }
        }
        return Verdict.reject(anyScheme ? Reason.MISSING_SIGNATURE : Reason.UNSUPPORTED_SCHEME,
                "no accepted scheme's headers present");
    }

    private Verdict timed(Verifier v, SignedRequest request) {
        long start = System.nanoTime();
        Verdict verdict;
        try {
            verdict = v.verify(request);
        } catch (io.sigcar.crypto.KeyClosedException keyClosed) {
            // A reload closed the key this request was using; the new set is in place, so
            // one retry decides. A second failure is refused like any other.
            verdict = failClosed(v, request);
        } catch (RuntimeException e) {
            verdict = unexpected(v, e);
        }
        metrics.verify(v.scheme(), verdict instanceof Verdict.Verified ok ? ok.algorithm() : null,
                System.nanoTime() - start);
        return verdict;
    }

    private static Verdict failClosed(Verifier v, SignedRequest request) {
        try {
            return v.verify(request);
        } catch (RuntimeException e) {
            return unexpected(v, e);
        }
    }

    private static Verdict unexpected(Verifier v, RuntimeException e) {
        LOG.log(Level.WARNING, "{0} verifier failed unexpectedly; request refused: {1}", v.scheme(), e.toString());
        return Verdict.reject(Reason.BAD_SIGNATURE, "verifier error " + e.getClass().getSimpleName());
    }

    private static Verdict restrictKeys(Verdict verdict, Route route) {
        if (verdict instanceof Verdict.Verified ok && !route.keyIds().isEmpty() && !route.keyIds().contains(ok.keyId())) {
            return Verdict.reject(Reason.KEY_NOT_ALLOWED, "key not allowed on route " + route.name());
        }
        return verdict;
    }
}
