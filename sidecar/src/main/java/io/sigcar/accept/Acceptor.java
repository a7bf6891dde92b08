package io.sigcar.accept;

import io.sigcar.config.SidecarConfig.Limits;
import io.sigcar.reject.Reason;
import io.sigcar.reject.Rejection;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The accept stage: server limits, and the framing and target checks a request must pass
 * before anything else looks at it. What it lets through has one unambiguous length and a
 * path that policy, verification and the app all read the same way.
 */
public final class Acceptor {

    private final Limits limits;

    public Acceptor(Limits limits) {
        this.limits = limits;
    }

    /** HTTP/1.1 and h2c (prior knowledge and upgrade), with the configured line and header limits. */
    public HttpServerOptions serverOptions() {
        return new HttpServerOptions()
                .setMaxInitialLineLength(limits.maxRequestLine())
                .setMaxHeaderSize(limits.maxHeaderBytes())
                .setHttp2ClearTextEnabled(true)
                .setIdleTimeout((int) limits.idleTimeout().toSeconds())
                .setCompressionSupported(false)
                .setDecompressionSupported(false)
                .setHandle100ContinueAutomatically(false);
    }

    /** Empty when the request may go on; otherwise why not (framing faults close the connection). */
    public Optional<Rejection> check(HttpServerRequest request) {
        MultiMap headers = request.headers();
        int fields = 0;
        for (var ignored : headers) { // size() counts distinct names; repeats must count too
            fields++;
        }
        if (fields > limits.maxHeaders()) {
            return reject(Reason.HEADERS_TOO_LARGE, fields + " header fields", true);
        }
        List<String> lengths = headers.getAll("content-length");
        List<String> encodings = headers.getAll("transfer-encoding");
        if (!lengths.isEmpty() && !encodings.isEmpty()) {
            return reject(Reason.AMBIGUOUS_FRAMING, "both Content-Length and Transfer-Encoding", true);
        }
        if (lengths.size() > 1) {
            return reject(Reason.AMBIGUOUS_FRAMING, "several Content-Length fields", true);
        }
        if (lengths.size() == 1 && !plainNumber(lengths.getFirst())) {
            return reject(Reason.AMBIGUOUS_FRAMING, "Content-Length is not a plain number", true);
        }
        if (!encodings.isEmpty()) {
            boolean http11 = request.version() == HttpVersion.HTTP_1_1;
            if (!http11 || encodings.size() != 1 || !encodings.getFirst().toLowerCase(Locale.ROOT).equals("chunked")) {
                return reject(Reason.AMBIGUOUS_FRAMING, "Transfer-Encoding other than a single 'chunked'", true);
            }
        }
        if (request.version() != HttpVersion.HTTP_2 && headers.getAll("host").size() != 1) {
            return reject(Reason.BAD_REQUEST, "exactly one Host field is required", true);
        }
        for (String connection : headers.getAll("connection")) {
            for (String token : connection.split(",")) {
                String t = token.strip().toLowerCase(Locale.ROOT);
                // Any other token would make us drop that field after it was verified.
                if (!t.isEmpty() && !t.equals("close") && !t.equals("keep-alive") && !t.equals("upgrade")) {
                    return reject(Reason.BAD_REQUEST, "Connection names a field: " + t, false);
                }
            }
        }
        String expect = request.getHeader("expect");
        if (expect != null && !expect.equalsIgnoreCase("100-continue")) {
            return reject(Reason.BAD_REQUEST, "unsupported Expect", false);
        }
        if (request.authority() == null) {
            return reject(Reason.BAD_REQUEST, "no authority", true);
        }
        String path = Target.rawPath(request.uri());
        if (path == null) {
            return reject(Reason.BAD_REQUEST, "request target is not a path", true);
        }
        String unsafe = Target.ambiguity(path);
        if (unsafe != null) {
            return reject(Reason.BAD_REQUEST, "path " + unsafe, false);
        }
        return Optional.empty();
    }

    private static Optional<Rejection> reject(Reason reason, String detail, boolean close) {
        return Optional.of(new Rejection(reason, detail, close));
    }

    /** 1 to 18 ASCII digits; a loop, because String.matches compiles its regex on every request. */
    private static boolean plainNumber(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
