package io.sigcar.reject;

/**
 * Every reason Sigcar turns a request away, with its stable code and HTTP status. The same
 * codes label metrics, fill the audit log and are documented in the README.
 *
 * <p>Key-related failures ({@link #UNKNOWN_KEY}, {@link #KEY_NOT_ALLOWED},
 * {@link #ALGORITHM_MISMATCH}) keep their own code internally but answer the client
 * exactly as {@link #BAD_SIGNATURE} does, so a client cannot probe which keyids exist.
 */
public enum Reason {
    // ---- framing and limits (accept) ----
    BAD_REQUEST("bad_request", 400, "The request is malformed."),
    AMBIGUOUS_FRAMING("ambiguous_framing", 400, "The request framing is ambiguous."),
    URI_TOO_LONG("uri_too_long", 414, "The request line is too long."),
    HEADERS_TOO_LARGE("headers_too_large", 431, "The request headers are too large."),
    BODY_TOO_LARGE("body_too_large", 413, "The request body is too large."),
    REQUEST_TIMEOUT("request_timeout", 408, "The request was not received in time."),
    OVERLOADED("overloaded", 503, "The sidecar is at capacity; retry later."),

    // ---- policy ----
    DENIED("denied", 403, "This route does not accept requests."),

    // ---- verify: what the client sent ----
    MISSING_SIGNATURE("missing_signature", 401, "The request is not signed."),
    MALFORMED_SIGNATURE("malformed_signature", 400, "The signature headers cannot be parsed."),
    UNSUPPORTED_SCHEME("unsupported_scheme", 401, "The signature scheme is not accepted on this route."),
    UNSUPPORTED_ALGORITHM("unsupported_algorithm", 401, "The signature algorithm is not supported."),
    MISSING_COMPONENT("missing_component", 401, "The signature does not cover a required component."),
    MISSING_PARAMETER("missing_parameter", 401, "The signature lacks a required parameter."),
    MISSING_DIGEST("missing_digest", 401, "The request has a body but no Content-Digest."),
    DIGEST_MISMATCH("digest_mismatch", 401, "The Content-Digest does not match the body."),
    STALE("stale", 401, "The signature is too old or has expired."),
    FROM_FUTURE("from_future", 401, "The signature was created in the future."),
    REPLAYED("replayed", 401, "The signature nonce was already used."),
    BAD_SIGNATURE("bad_signature", 401, "The signature does not verify."),
    UNKNOWN_KEY("unknown_key", 401, "The signature does not verify.", BAD_SIGNATURE),
    KEY_NOT_ALLOWED("key_not_allowed", 401, "The signature does not verify.", BAD_SIGNATURE),
    ALGORITHM_MISMATCH("algorithm_mismatch", 401, "The signature does not verify.", BAD_SIGNATURE),

    // ---- verify: our own state ----
    NONCE_CACHE_FULL("nonce_cache_full", 503, "Replay protection is at capacity; retry later."),
    REPLAY_STORE_UNAVAILABLE("replay_store_unavailable", 503, "Replay protection could not be checked; retry later."),
    NO_KEYS("no_keys", 503, "No verification keys are loaded."),

    // ---- forward ----
    UPSTREAM_UNAVAILABLE("upstream_unavailable", 502, "The application is not reachable."),
    UPSTREAM_TIMEOUT("upstream_timeout", 504, "The application did not answer in time."),
    /** The client stopped taking the answer; its head is already out, so the connection is cut instead. */
    SEND_TIMEOUT("send_timeout", 408, "The client did not take the answer in time."),
    /**
     * The client closed its connection (or reset its stream) before the answer was complete. Only
     * recorded: there is nobody left to answer. 499, as nginx logs it; counted apart so that a
     * client that leaves is never taken for a failing app.
     */
    CLIENT_CLOSED("client_closed", 499, "The client closed the connection before the answer was complete."),

    // ---- our own fault ----
    /** A failure no stage foresaw (a bug): logged, answered 500, and the connection closed. */
    INTERNAL_ERROR("internal_error", 500, "The sidecar failed to handle the request.");

    private final String code;
    private final int status;
    private final String title;
    private final Reason publicFace;

    Reason(String code, int status, String title) {
        this.code = code;
        this.status = status;
        this.title = title;
        this.publicFace = null;
    }

    Reason(String code, int status, String title, Reason publicFace) {
        this.code = code;
        this.status = status;
        this.title = title;
        this.publicFace = publicFace;
    }

    /** Stable snake_case code for logs, metrics and the docs. */
    public String code() {
        return code;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** What the client is told: itself, or {@link #BAD_SIGNATURE} for every key-related failure. */
    public Reason publicFace() {
        return publicFace == null ? this : publicFace;
    }

    @Override
    public String toString() {
        return code;
    }
}
