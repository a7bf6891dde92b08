package io.sigcar.reject;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;

/**
 * The one place a {@link Reason} becomes an HTTP answer: status plus an RFC 9457
 * {@code application/problem+json} body. Bodies are built once per public reason, so every
 * key-related failure is byte-identical on the wire, and nothing from the request is echoed.
 */
public final class Responder {

    private static final CharSequence PROBLEM_JSON = HttpHeaders.createOptimized("application/problem+json");
    private static final CharSequence NO_STORE = HttpHeaders.createOptimized("no-store");
    private static final CharSequence RETRY_AFTER_SECONDS = HttpHeaders.createOptimized("1");
    private static final Map<Reason, Buffer> BODIES = new EnumMap<>(Reason.class);

    static {
        for (Reason r : Reason.values()) {
            Reason face = r.publicFace();
            String json = "{\"type\":\"https://sigcar.io/problems/" + face.code() + "\",\"title\":\"" + face.title()
                    + "\",\"status\":" + face.status() + ",\"reason\":\"" + face.code() + "\"}";
            BODIES.put(r, Buffer.buffer(json.getBytes(StandardCharsets.UTF_8)));
        }
    }

    private Responder() {}

    /** The bytes a client receives for {@code reason}; tests compare them across reasons. */
    public static Buffer body(Reason reason) {
        return BODIES.get(reason).copy();
    }

    /**
     * Answers with the reason's public face. {@code close} asks for the connection to end after
     * the answer, for framing errors where the rest of the stream cannot be trusted.
     */
    public static void send(HttpServerRequest request, Reason reason, boolean close) {
        HttpServerResponse response = request.response();
        if (response.headWritten() || response.ended() || response.closed()) {
            return;
        }
        Reason face = reason.publicFace();
        Buffer body = BODIES.get(reason);
        response.setStatusCode(face.status())
                .putHeader(HttpHeaders.CONTENT_TYPE, PROBLEM_JSON)
                .putHeader(HttpHeaders.CACHE_CONTROL, NO_STORE)
                .putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(body.length()));
        if (face.status() == 503) { // our own capacity, not the request: worth retrying soon
            response.putHeader(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
        }
        // HTTP/2 streams are independent: a bad stream ends alone, the connection stays.
        if (close && request.version() != HttpVersion.HTTP_2) {
            response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
            response.end(body).onComplete(ignored -> request.connection().close());
        } else {
            response.end(body);
        }
    }
}
