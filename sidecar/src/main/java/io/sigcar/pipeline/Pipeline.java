package io.sigcar.pipeline;

import io.sigcar.accept.Acceptor;
import io.sigcar.accept.BodyReader;
import io.sigcar.accept.ConnectionGuard;
import io.sigcar.accept.ReceivedRequest;
import io.sigcar.forward.Forwarder;
import io.sigcar.policy.Action;
import io.sigcar.policy.Policy;
import io.sigcar.policy.Route;
import io.sigcar.record.Recorder;
import io.sigcar.reject.Reason;
import io.sigcar.reject.Rejection;
import io.sigcar.verify.Verdict;
import io.sigcar.verify.VerifyStage;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import java.time.InstantSource;

/**
 * Wires the stages in the order a request meets them: accept → policy → body → verify →
 * forward, with record around all of it. Decisions live in the stages; this class only
 * sequences them.
 */
public final class Pipeline implements Handler<HttpServerRequest> {

    private final ConnectionGuard guard;
    private final Acceptor acceptor;
    private final Policy policy;
    private final BodyReader bodies;
    private final long defaultBodyLimit;
    private final VerifyStage verifier;
    private final Forwarder forwarder;
    private final Recorder recorder;
    private final InstantSource clock;

    public Pipeline(ConnectionGuard guard, Acceptor acceptor, Policy policy, BodyReader bodies, long defaultBodyLimit, VerifyStage verifier,
            Forwarder forwarder, Recorder recorder, InstantSource clock) {
        this.guard = guard;
        this.acceptor = acceptor;
        this.policy = policy;
        this.bodies = bodies;
        this.defaultBodyLimit = defaultBodyLimit;
        this.verifier = verifier;
        this.forwarder = forwarder;
        this.recorder = recorder;
        this.clock = clock;
    }

    @Override
    public void handle(HttpServerRequest request) {
        Exchange ex = new Exchange(request, recorder, System.nanoTime(), clock.instant());
        request.response().closeHandler(v -> ex.abandoned());
        request.response().headersEndHandler(v -> guard.beforeHead(request));

        var connection = request.connection();
        if (!guard.admit(connection)) {
            ex.reject(new Rejection(Reason.OVERLOADED, "max-in-flight reached", true));
            return;
        }
        ex.onDone(() -> guard.finished(connection));

        long declared;
        try {
            declared = acceptor.check(request);
        } catch (Rejection refused) {
            ex.reject(refused);
            return;
        }
        Route route = policy.match(request.method().name(), request.authority().toString(), ex.path());
        ex.route(route);
        if (route.action() == Action.DENY) {
            ex.reject(new Rejection(Reason.DENIED, "route " + route.name(), false));
            return;
        }
        long limit = route.maxBodyBytes() >= 0 ? route.maxBodyBytes() : defaultBodyLimit;
        if (declared <= limit && "100-continue".equalsIgnoreCase(request.getHeader("expect"))) {
            request.response().writeContinue(); // before reading: the client waits for it to send the body
        }
        bodies.read(request, declared, limit).onComplete(read -> {
            if (read.failed()) {
                ex.fail(read.cause());
                return;
            }
            if (ex.is(Exchange.State.DONE)) {
                return; // the client left while its body was arriving: nothing to verify or forward
            }
            if (route.action() != Action.VERIFY) {
                forward(ex, request, read.result(), null);
                return;
            }
            ex.verifying();
            Verdict verdict = verifier.verify(new ReceivedRequest(request, ex.path(), read.result(), ex.receivedAt()),
                    route);
            if (!verifier.needsConfirmation(verdict)) {
                afterVerify(ex, request, read.result(), verdict);
                return;
            }
            // Only with a shared replay store, and only for nonces and webhook ids: the one wait
            // off the event loop's own work before forwarding.
            verifier.confirm(verdict).onComplete(confirmed -> {
                if (ex.is(Exchange.State.DONE)) {
                    return; // the client left meanwhile
                }
                if (confirmed.failed()) {
                    ex.fail(confirmed.cause());
                } else {
                    afterVerify(ex, request, read.result(), confirmed.result());
                }
            });
        });
    }

    private void afterVerify(Exchange ex, HttpServerRequest request, io.vertx.core.buffer.Buffer body, Verdict verdict) {
        if (verdict instanceof Verdict.Rejected no) {
            ex.reject(new Rejection(no.reason(), no.detail(), false));
        } else {
            forward(ex, request, body, ((Verdict.Verified) verdict).keyId());
        }
    }

    private void forward(Exchange ex, HttpServerRequest request, io.vertx.core.buffer.Buffer body, String keyId) {
        ex.forwarding(keyId);
        boolean upgrade = isWebSocketUpgrade(request);
        if (upgrade) {
            guard.upgrading(request.connection()); // no more request heads on it: no head deadline
        }
        var sending = upgrade ? forwarder.upgrade(request, keyId)
                : forwarder.forward(request, body, keyId, recorder.metrics()::upstream);
        sending.onComplete(sent -> {
            if (sent.succeeded()) {
                ex.forwarded(sent.result());
            } else {
                ex.fail(sent.cause());
            }
        });
    }

    /** A request Netty's decoder could not parse: answered with its reason code, and the connection closed. */
    public void invalid(HttpServerRequest request) {
        Exchange ex = new Exchange(request, recorder, System.nanoTime(), clock.instant());
        ex.reject(acceptor.invalid(request));
    }

    /** An HTTP/1.1 GET asking to become a WebSocket; passes through only after it verified. */
    private static boolean isWebSocketUpgrade(HttpServerRequest request) {
        return request.version() == io.vertx.core.http.HttpVersion.HTTP_1_1
                && request.method() == io.vertx.core.http.HttpMethod.GET
                && "websocket".equalsIgnoreCase(request.getHeader("upgrade"));
    }
}
