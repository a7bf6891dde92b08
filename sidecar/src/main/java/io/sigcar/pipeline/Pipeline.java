package io.sigcar.pipeline;

import io.sigcar.accept.Acceptor;
import io.sigcar.pipeline.Stage.Step;
import io.sigcar.record.Recorder;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import java.time.InstantSource;
import java.util.List;

/**
 * Runs each request through the stages {@link Sidecar} lists (admission, framing, route, body,
 * verify, forward): every stage's {@link Stage#onHead} in order, then every stage's
 * {@link Stage#onBody}. A stage may refuse, or make the rest wait on something under way (the
 * body, a shared replay store, the app's answer). When the last stage has gone on, the app's
 * answer has been relayed and the exchange is recorded as served. Decisions live in the stages;
 * this class only runs them.
 */
public final class Pipeline implements Handler<HttpServerRequest> {

    private final Stage[] stages;
    private final Acceptor acceptor;
    private final Recorder recorder;
    private final InstantSource clock;

    Pipeline(List<Stage> stages, Acceptor acceptor, Recorder recorder, InstantSource clock) {
        this.stages = stages.toArray(Stage[]::new);
        this.acceptor = acceptor;
        this.recorder = recorder;
        this.clock = clock;
    }

    @Override
    public void handle(HttpServerRequest request) {
        Exchange ex = new Exchange(request, recorder, System.nanoTime(), clock.instant());
        request.response().closeHandler(v -> ex.abandoned());
        run(ex, false, 0);
    }

    /** Runs the stages of one phase from {@code from}, then the body phase after the head phase. */
    private void run(Exchange ex, boolean body, int from) {
        for (int i = from; i < stages.length; i++) {
            if (ex.is(Exchange.State.DONE)) {
                return; // answered already, or the client left while a stage waited
            }
            Step step;
            try {
                step = body ? stages[i].onBody(ex) : stages[i].onHead(ex);
            } catch (RuntimeException unexpected) {
                ex.fail(unexpected); // a bug, not the request's fault: 500, logged
                return;
            }
            if (step instanceof Step.Reject no) {
                ex.reject(no.rejection());
                return;
            }
            if (step instanceof Step.Await wait) {
                int next = i + 1;
                wait.pending().onComplete(done -> {
                    if (done.failed()) {
                        ex.fail(done.cause());
                    } else {
                        run(ex, body, next);
                    }
                });
                return;
            }
        }
        if (!body) {
            run(ex, true, 0);
        } else {
            ex.forwarded();
        }
    }

    /** A request Netty's decoder could not parse: answered with its reason code, and the connection closed. */
    public void invalid(HttpServerRequest request) {
        Exchange ex = new Exchange(request, recorder, System.nanoTime(), clock.instant());
        ex.reject(acceptor.invalid(request));
    }
}
