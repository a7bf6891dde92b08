package io.sigcar.pipeline;

import io.sigcar.accept.Acceptor;
import io.sigcar.accept.BodyReader;
import io.sigcar.accept.ConnectionGuard;
import io.sigcar.accept.ReceivedRequest;
import io.sigcar.forward.Forwarder;
import io.sigcar.policy.Action;
import io.sigcar.policy.Policy;
import io.sigcar.policy.Route;
import io.sigcar.record.Metrics;
import io.sigcar.reject.Reason;
import io.sigcar.reject.Rejection;
import io.sigcar.verify.Verdict;
import io.sigcar.verify.VerifyStage;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.List;

/**
 * The stages a request meets, in order, each a thin step over the package that decides it:
 * admission and framing ({@code accept}), route ({@code policy}), body ({@code accept}),
 * verify ({@code verify}), forward ({@code forward}).
 */
final class Stages {

    private Stages() {}

    static List<Stage> of(ConnectionGuard guard, Acceptor acceptor, Policy policy, BodyReader bodies,
            long defaultBodyLimit, VerifyStage verifier, Forwarder forwarder, Metrics metrics) {
        return List.of(new Admission(guard), new Framing(acceptor), new Routing(policy),
                new Body(bodies, defaultBodyLimit), new Verify(verifier), new Forward(guard, forwarder, metrics));
    }

    /** An in-flight slot on the connection ({@code max-in-flight}), held until the exchange ends. */
    private record Admission(ConnectionGuard guard) implements Stage {
        @Override
        public Step onHead(Exchange ex) {
            HttpServerRequest request = ex.request();
            request.response().headersEndHandler(v -> guard.beforeHead(request));
            var connection = request.connection();
            if (!guard.admit(connection)) {
                return new Step.Reject(new Rejection(Reason.OVERLOADED, "max-in-flight reached", true));
            }
            ex.onDone(() -> guard.finished(connection));
            return Step.CONTINUE;
        }
    }

    /** The head's framing and fields: the one place the declared body length is read. */
    private record Framing(Acceptor acceptor) implements Stage {
        @Override
        public Step onHead(Exchange ex) {
            try {
                ex.declared(acceptor.check(ex.request()));
                return Step.CONTINUE;
            } catch (Rejection refused) {
                return new Step.Reject(refused);
            }
        }
    }

    /** The route for the method, authority and path; a {@code deny} route is refused here. */
    private record Routing(Policy policy) implements Stage {
        @Override
        public Step onHead(Exchange ex) {
            HttpServerRequest request = ex.request();
            Route route = policy.match(request.method().name(), request.authority().toString(), ex.path());
            ex.route(route);
            return route.action() == Action.DENY
                    ? new Step.Reject(new Rejection(Reason.DENIED, "route " + route.name(), false))
                    : Step.CONTINUE;
        }
    }

    /** Reads the whole body, up to the route's limit, before anything is verified or forwarded. */
    private record Body(BodyReader bodies, long defaultLimit) implements Stage {
        @Override
        public Step onHead(Exchange ex) {
            HttpServerRequest request = ex.request();
            Route route = ex.route();
            long limit = route.maxBodyBytes() >= 0 ? route.maxBodyBytes() : defaultLimit;
            if (ex.declared() <= limit && "100-continue".equalsIgnoreCase(request.getHeader("expect"))) {
                request.response().writeContinue(); // before reading: the client waits for it to send the body
            }
            return new Step.Await(bodies.read(request, ex.declared(), limit).onSuccess(ex::body));
        }
    }

    /**
     * The signature, on a {@code verify} route. With a shared replay store, a nonce or webhook id is
     * then confirmed there: the one wait off the event loop's own work before forwarding.
     */
    private record Verify(VerifyStage verifier) implements Stage {
        @Override
        public Step onBody(Exchange ex) {
            if (ex.route().action() != Action.VERIFY) {
                return Step.CONTINUE;
            }
            ex.verifying();
            Verdict verdict = verifier.verify(new ReceivedRequest(ex.request(), ex.path(), ex.body(), ex.receivedAt()),
                    ex.route());
            if (!verifier.needsConfirmation(verdict)) {
                return verdict(ex, verdict);
            }
            Future<Void> confirmed = verifier.confirm(verdict).compose(v -> {
                Step step = verdict(ex, v);
                return step instanceof Step.Reject no ? Future.failedFuture(no.rejection()) : Future.succeededFuture();
            });
            return new Step.Await(confirmed);
        }

        private static Step verdict(Exchange ex, Verdict verdict) {
            if (verdict instanceof Verdict.Rejected no) {
                return new Step.Reject(new Rejection(no.reason(), no.detail(), false));
            }
            ex.verified(((Verdict.Verified) verdict).keyId());
            return Step.CONTINUE;
        }
    }

    /** Sends the request to the app and relays its answer; the exchange ends when the answer has. */
    private record Forward(ConnectionGuard guard, Forwarder forwarder, Metrics metrics) implements Stage {
        @Override
        public Step onBody(Exchange ex) {
            ex.forwarding();
            HttpServerRequest request = ex.request();
            Future<Integer> sending;
            if (isWebSocketUpgrade(request)) {
                guard.upgrading(request.connection()); // no more request heads on it: no head deadline
                sending = forwarder.upgrade(request, ex.keyId());
            } else {
                sending = forwarder.forward(request, ex.body(), ex.keyId(), metrics::upstream);
            }
            return new Step.Await(sending.onSuccess(ex::answered));
        }

        /** An HTTP/1.1 GET asking to become a WebSocket; passes through only after it verified. */
        private static boolean isWebSocketUpgrade(HttpServerRequest request) {
            return request.version() == HttpVersion.HTTP_1_1 && request.method() == HttpMethod.GET
                    && "websocket".equalsIgnoreCase(request.getHeader("upgrade"));
        }
    }
}
