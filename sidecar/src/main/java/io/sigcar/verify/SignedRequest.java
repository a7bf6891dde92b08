package io.sigcar.verify;

import io.netty.buffer.ByteBuf;
import java.time.Instant;
import java.util.List;

/**
 * What the verify stage sees of a request: exactly the bytes that will be forwarded, so
 * what is verified and what the app receives cannot differ.
 */
public interface SignedRequest {

    /** Upper-case method as received, e.g. {@code POST}. */
    String method();

    /** {@code http} or {@code https}: how the client reached us. */
    String scheme();

    /** Host and optional port as received (Host header or {@code :authority}), lower-cased. */
    String authority();

    /** The path as received, still percent-encoded; never empty ({@code /} at least). */
    String rawPath();

    /** The query as received without the leading {@code ?}, or null when the target had none. */
    String rawQuery();

    /** Every value of a header field, in order received; empty when absent. Name is lower-case. */
    List<String> headerValues(String lowerCaseName);

    /** The complete body (empty buffer when none). Readable bytes only; callers must not move its indexes. */
    ByteBuf body();

    /** When the request head arrived; the reference for time windows. */
    Instant receivedAt();
}
