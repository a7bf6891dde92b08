package io.sigcar.pipeline;

import io.sigcar.accept.Target;
import io.sigcar.policy.Route;
import io.sigcar.record.Outcome;
import io.sigcar.record.Recorder;
import io.sigcar.reject.Reason;
import io.sigcar.reject.Rejection;
import io.sigcar.reject.Responder;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;

/**
 * One request's trip through the stages: what they learned of it (the declared length, the
 * route, the body, the verified key, the app's status), and an explicit state so a late callback
 * (a timer firing after the answer, a close after the end) cannot answer or record twice. The
 * only place a request is answered by Sigcar or recorded.
 */
final class Exchange {

    private static final System.Logger LOG = System.getLogger(Exchange.class.getName());

    enum State { RECEIVING, VERIFYING, FORWARDING, DONE }

    private final HttpServerRequest request;
    private final Recorder recorder;
    private final long startNanos;
    private final Instant receivedAt;
    /** The raw path, read once: route matching, verification and the audit line all use it. */
    private final String path;
    private State state = State.RECEIVING;
    private long declared;
    private Route route;
    private Buffer body;
    private String keyId;
    private int status;
    private Runnable onDone;

    Exchange(HttpServerRequest request, Recorder recorder, long startNanos, Instant receivedAt) {
        this.request = request;
        this.recorder = recorder;
        this.startNanos = startNanos;
        this.receivedAt = receivedAt;
        this.path = Target.rawPath(request.uri());
    }

    /** Null when the target is not in origin form (the accept stage refuses those). */
    String path() {
        return path;
    }

    HttpServerRequest request() {
        return request;
    }

    Instant receivedAt() {
        return receivedAt;
    }

    /** The body length the head declares (Content-Length), or {@link io.sigcar.accept.Acceptor#NO_LENGTH}. */
    void declared(long length) {
        this.declared = length;
    }

    long declared() {
        return declared;
    }

    void route(Route r) {
        this.route = r;
    }

    Route route() {
        return route;
    }

    void body(Buffer read) {
        this.body = read;
    }

    Buffer body() {
        return body;
    }

    /** The key that verified the request; null when its route only allows. */
    String keyId() {
        return keyId;
    }

    /** Runs once when the exchange ends, however it ends (releases its in-flight slot). */
    void onDone(Runnable hook) {
        this.onDone = hook;
    }

    boolean is(State s) {
        return state == s;
    }

    void verifying() {
        advance(State.VERIFYING);
    }

    void verified(String verifiedKeyId) {
        this.keyId = verifiedKeyId;
    }

    void forwarding() {
        advance(State.FORWARDING);
    }

    /** The app answered with {@code code}; the exchange is recorded with it when the answer has been relayed. */
    void answered(int code) {
        this.status = code;
    }

    private void advance(State next) {
        if (state != State.DONE) {
            state = next;
        }
    }

    /** Refuses the request with the reason's answer; ignored once the exchange is done. */
    void reject(Rejection rejection) {
        if (state == State.DONE) {
            return;
        }
        boolean sentToApp = state == State.FORWARDING;
        done();
        Responder.send(request, rejection.reason(), rejection.closeConnection());
        Outcome outcome = sentToApp ? Outcome.UPSTREAM_ERROR : Outcome.REJECTED;
        recorder.finish(facts(outcome, rejection.reason(), rejection.reason().publicFace().status()));
    }

    /** Any failure: a Rejection is answered as such; anything else is our fault, answered 500 and logged. */
    void fail(Throwable failure) {
        if (failure instanceof Rejection r) {
            reject(r);
            return;
        }
        if (state != State.DONE) {
            LOG.log(System.Logger.Level.WARNING, "request failed unexpectedly; answered 500: {0}", failure.toString());
        }
        reject(new Rejection(Reason.INTERNAL_ERROR, failure.getClass().getSimpleName(), true));
    }

    /** The app answered and its response has been streamed to the client. */
    void forwarded() {
        if (state == State.DONE) {
            return;
        }
        done();
        recorder.finish(facts(keyId != null ? Outcome.VERIFIED : Outcome.ALLOWED, null, status));
    }

    /** The client went away before we answered. */
    void abandoned() {
        if (state == State.DONE) {
            return;
        }
        done();
        recorder.finish(facts(Outcome.REJECTED, Reason.CLIENT_CLOSED, 0));
    }

    private void done() {
        state = State.DONE;
        if (onDone != null) {
            Runnable hook = onDone;
            onDone = null;
            hook.run();
        }
    }

    private Recorder.Facts facts(Outcome outcome, Reason reason, int status) {
        return new Recorder.Facts(route == null ? "default" : route.name(), request.method().name(),
                path, keyId, outcome, reason, status, System.nanoTime() - startNanos, receivedAt);
    }
}
