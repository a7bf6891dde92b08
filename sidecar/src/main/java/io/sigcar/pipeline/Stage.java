package io.sigcar.pipeline;

import io.sigcar.reject.Rejection;
import io.vertx.core.Future;

/**
 * One step of a request's trip, in the spirit of Envoy's HTTP filters: it sees the request once
 * its head has arrived, then once its whole body has, and each time answers what happens next.
 * A stage never answers the client or records: it returns {@link Step.Reject}, and the
 * {@link Pipeline} has the {@link Exchange} answer and record.
 */
interface Stage {

    /** The head has arrived: everything but the body is known. */
    default Step onHead(Exchange ex) {
        return Step.CONTINUE;
    }

    /** The whole body has arrived (read by the body stage in the head phase). */
    default Step onBody(Exchange ex) {
        return Step.CONTINUE;
    }

    /** What a stage answers. */
    sealed interface Step {
        /** On to the next stage. */
        Step CONTINUE = new Continue();

        /** On to the next stage. */
        record Continue() implements Step { }

        /** Refused: the exchange answers with the rejection's reason and the trip ends. */
        record Reject(Rejection rejection) implements Step { }

        /**
         * On to the next stage once {@code pending} succeeds; its failure ends the trip
         * ({@link Exchange#fail}: a {@link Rejection} is answered as such, anything else is a 500).
         */
        record Await(Future<?> pending) implements Step { }
    }
}
