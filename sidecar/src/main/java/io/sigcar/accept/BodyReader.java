package io.sigcar.accept;

import io.sigcar.accept.wire.ObsFold;
import io.sigcar.reject.Reason;
import io.sigcar.reject.Rejection;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;

/**
 * Buffers a request body up to a limit, because nothing may reach the app before the
 * whole body has verified. Over the limit or over the time allowed, it fails with a
 * {@link Rejection} and the connection is closed (the rest of the body is not read).
 */
public final class BodyReader {

    private final Duration timeout;
    private final Deadlines deadlines;

    public BodyReader(Vertx vertx, Duration timeout) {
        this.timeout = timeout;
        this.deadlines = new Deadlines(vertx, timeout);
    }

    /** @param declared the head's Content-Length as the accept stage read it, or {@link Acceptor#NO_LENGTH} */
    public Future<Buffer> read(HttpServerRequest request, long declared, long limit) {
        if (declared > limit) {
            return Future.failedFuture(new Rejection(Reason.BODY_TOO_LARGE, "declared " + declared, true));
        }
        Promise<Buffer> promise = Promise.promise();
        // Grows as bytes arrive: a client that only declares a large body reserves nothing.
        Buffer body = Buffer.buffer(declared == Acceptor.NO_LENGTH ? 256 : (int) Math.min(declared, 16 * 1024));
        Deadlines.Deadline deadline = deadlines.start(() -> {
            if (promise.tryFail(new Rejection(Reason.REQUEST_TIMEOUT, "body not complete in " + timeout, true))) {
                request.pause();
            }
        });
        request.handler(chunk -> {
            if (body.length() + chunk.length() > limit) {
                if (promise.tryFail(new Rejection(Reason.BODY_TOO_LARGE, "over " + limit + " bytes", true))) {
                    deadline.cancel();
                    request.pause();
                }
                return;
            }
            body.appendBuffer(chunk);
        });
        request.exceptionHandler(e -> {
            deadline.cancel();
            promise.tryFail(e instanceof ObsFold
                    ? new Rejection(Reason.AMBIGUOUS_FRAMING, e.getMessage(), true)
                    : new Rejection(Reason.BAD_REQUEST, e.getClass().getSimpleName(), true));
        });
        request.endHandler(v -> {
            deadline.cancel();
            promise.tryComplete(body);
        });
        return promise.future();
    }
}
