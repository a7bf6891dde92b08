package io.sigcar.inject;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.lang.System.Logger.Level;

/**
 * HTTP plumbing for {@code POST /inject}: bounds the body, picks the opt-in from the query, runs
 * the admission handler off the event loop and records the outcome. All decisions are the handler's.
 */
public final class ReviewEndpoint implements Handler<HttpServerRequest> {

    private static final System.Logger LOG = System.getLogger(ReviewEndpoint.class.getName());

    /** How much of an oversized body is drained after the 413, as a multiple of the limit. */
    private static final long DRAIN_LIMIT_FACTOR = 4;

    private final Vertx vertx;
    private final AdmissionHandler handler;
    private final InjectorMetrics metrics;
    private final int maxBodyBytes;

    public ReviewEndpoint(Vertx vertx, AdmissionHandler handler, InjectorMetrics metrics, int maxBodyBytes) {
        this.vertx = vertx;
        this.handler = handler;
        this.metrics = metrics;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void handle(HttpServerRequest req) {
        long start = System.nanoTime();
        if (!req.path().equals("/inject")) {
            plain(req, 404, "not found: the webhook path is /inject", start);
            return;
        }
        if (req.method() != HttpMethod.POST) {
            req.response().putHeader("allow", "POST");
            plain(req, 405, "method not allowed: POST an AdmissionReview", start);
            return;
        }
        String optIn = req.getParam("opt-in");
        Decision.OptIn via;
        if (optIn == null) {
            via = Decision.OptIn.POD;
        } else if (optIn.equals("namespace")) {
            via = Decision.OptIn.NAMESPACE;
        } else {
            plain(req, 400, "unknown opt-in '" + optIn + "' (only opt-in=namespace)", start);
            return;
        }
        Buffer body = Buffer.buffer();
        long[] received = {0};
        boolean[] over = {false};
        String length = req.getHeader("content-length");
        if (length != null && tooLong(length)) {
            over[0] = true;
            tooLarge(req, start);
        }
        req.handler(chunk -> {
            received[0] += chunk.length();
            if (over[0]) {
                // The answer is sent; read (and drop) a bounded amount more so the client, still
                // sending, gets to read it; past that, just hang up.
                if (received[0] > DRAIN_LIMIT_FACTOR * maxBodyBytes) {
                    req.connection().close();
                }
                return;
            }
            if (body.length() + chunk.length() > maxBodyBytes) {
                over[0] = true;
                tooLarge(req, start);
                return;
            }
            body.appendBuffer(chunk);
        });
        req.exceptionHandler(e -> LOG.log(Level.DEBUG, "review request failed: {0}", e.toString()));
        req.endHandler(v -> {
            if (over[0]) {
                req.connection().close();
                return;
            }
            byte[] bytes = body.getBytes();
            // Parsing and diffing a large pod takes milliseconds: keep it off the event loop.
            vertx.executeBlocking(() -> handler.review(bytes, via), false).onComplete(r -> {
                if (r.failed()) {
                    plain(req, 500, "internal error", start);
                    return;
                }
                AdmissionHandler.Response resp = r.result();
                metrics.review(resp, System.nanoTime() - start);
                req.response().setStatusCode(resp.httpStatus())
                        .putHeader("content-type", resp.httpStatus() == 200 ? "application/json"
                                : "text/plain; charset=utf-8")
                        .end(Buffer.buffer(resp.body()));
            });
        });
    }

    private boolean tooLong(String length) {
        try {
            return Long.parseLong(length.strip()) > maxBodyBytes;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private void tooLarge(HttpServerRequest req, long start) {
        req.response().putHeader("connection", "close");
        plain(req, 413, "request body larger than " + maxBodyBytes + " bytes", start);
    }

    private void plain(HttpServerRequest req, int status, String text, long start) {
        metrics.rejectedRequest(System.nanoTime() - start);
        if (!req.response().ended()) {
            req.response().setStatusCode(status).putHeader("content-type", "text/plain; charset=utf-8")
                    .end(text + "\n");
        }
    }
}
