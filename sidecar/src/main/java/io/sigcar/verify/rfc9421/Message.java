package io.sigcar.verify.rfc9421;

import io.sigcar.verify.SignedRequest;
import io.sigcar.verify.digest.ContentDigest;
import java.util.List;

/**
 * The parts of a request a signature base is built from. Both the verifier (from a received
 * {@link SignedRequest}) and the signer (from a request it is about to send) provide one, so
 * both sides share one base builder and cannot drift apart.
 */
interface Message {

    String method();

    /** Lower-case {@code http} or {@code https}. */
    String scheme();

    /** Host and optional port, lower-cased, as the client addressed it. */
    String authority();

    /** Still percent-encoded; never empty. */
    String rawPath();

    /** Without the leading {@code ?}; null when the target had no query. */
    String rawQuery();

    /** Every value of the field in order, one per field line; empty when absent. */
    List<String> headerValues(String lowerCaseName);

    static Message of(SignedRequest request) {
        return of(request, request.headerValues(ContentDigest.FIELD));
    }

    /**
     * As {@link #of(SignedRequest)}, with the Content-Digest field lines the caller already read,
     * so a request's field is looked up once however often it is covered and checked.
     */
    static Message of(SignedRequest request, List<String> contentDigest) {
        return new Message() {
            @Override
            public String method() {
                return request.method();
            }

            @Override
            public String scheme() {
                return request.scheme();
            }

            @Override
            public String authority() {
                return request.authority();
            }

            @Override
            public String rawPath() {
                return request.rawPath();
            }

            @Override
            public String rawQuery() {
                return request.rawQuery();
            }

            @Override
            public List<String> headerValues(String lowerCaseName) {
                return lowerCaseName.equals(ContentDigest.FIELD) ? contentDigest : request.headerValues(lowerCaseName);
            }
        };
    }
}
