package io.sigcar.accept;

import io.netty.buffer.ByteBuf;
import io.sigcar.verify.SignedRequest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.buffer.BufferInternal;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** A fully received request as the verify stage sees it: the head as sent, the body as buffered. */
public final class ReceivedRequest implements SignedRequest {

    private final HttpServerRequest request;
    private final Buffer body;
    private final Instant receivedAt;
    private final String rawPath;
    private final String rawQuery;

    /** @param rawPath the request's raw path, as the accept stage read it */
    public ReceivedRequest(HttpServerRequest request, String rawPath, Buffer body, Instant receivedAt) {
        this.request = request;
        this.body = body;
        this.receivedAt = receivedAt;
        this.rawPath = rawPath;
        this.rawQuery = Target.rawQuery(request.uri());
    }

    @Override
    public String method() {
        return request.method().name();
    }

    @Override
    public String scheme() {
        return Acceptor.URI_SCHEME;
    }

    @Override
    public String authority() {
        return request.authority().toString().toLowerCase(Locale.ROOT);
    }

    @Override
    public String rawPath() {
        return rawPath;
    }

    @Override
    public String rawQuery() {
        return rawQuery;
    }

    @Override
    public List<String> headerValues(String lowerCaseName) {
        return request.headers().getAll(lowerCaseName);
    }

    @Override
    public ByteBuf body() {
        return ((BufferInternal) body).getByteBuf();
    }

    public Buffer bodyBuffer() {
        return body;
    }

    @Override
    public Instant receivedAt() {
        return receivedAt;
    }
}
