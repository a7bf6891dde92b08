package io.sigcar.accept;

import io.sigcar.accept.wire.ObsFold;
import io.sigcar.config.SidecarConfig.Limits;
import io.sigcar.reject.Reason;
import io.sigcar.reject.Rejection;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The accept stage: server limits, and the framing and target checks a request must pass
 * before anything else looks at it. What it lets through has one unambiguous length and a
 * path that policy, verification and the app all read the same way.
 */
public final class Acceptor {

    /**
     * Every request's scheme: {@link #serverOptions()} makes a plain listener (inside the pod, in
     * front of the app), so a request is never TLS. A constant, because
     * {@code HttpServerRequest.isSSL} searches the connection's pipeline for a TLS handler on
     * each call (0.9 % of the event loop's time).
     */
    public static final String URI_SCHEME = "http";

    private final Limits limits;

    public Acceptor(Limits limits) {
        this.limits = limits;
    }

    /** HTTP/1.1 and h2c (prior knowledge and upgrade), with the configured line and header limits. */
    public HttpServerOptions serverOptions() {
        HttpServerOptions options = new HttpServerOptions().setSsl(false); // URI_SCHEME says so
        if (limits.sendBuffer() > 0) {
            // A fixed SO_SNDBUF turns the kernel's autotuning off for these sockets: the bound on
            // what a slow reader pins in kernel memory is paid for in throughput on long fat links.
            options.setSendBufferSize(limits.sendBuffer());
        }
        return options
                .setMaxInitialLineLength(limits.maxRequestLine())
                .setMaxHeaderSize(limits.maxHeaderBytes())
                .setHttp2ClearTextEnabled(true)
                .setIdleTimeout((int) limits.idleTimeout().toSeconds())
                .setCompressionSupported(false)
                .setDecompressionSupported(false)
                // Upgrades are spliced byte for byte and the app answers the client's WebSocket
                // extension offer; with these on, Vert.x puts an extension handler in every HTTP/1.1
                // connection that looks at each request and each response for nothing.
                .setPerFrameWebSocketCompressionSupported(false)
                .setPerMessageWebSocketCompressionSupported(false)
                .setHandle100ContinueAutomatically(false)
                // HTTP/2 abuse limits, set here rather than left to library defaults that may move.
                // Rapid reset (CVE-2023-44487) and MadeYouReset (CVE-2025-8671): more than this many
                // resets in the window, sent by the client or provoked from us, get GOAWAY ENHANCE_YOUR_CALM.
                .setHttp2RstFloodMaxRstFramePerWindow(H2_RST_BUDGET)
                .setHttp2RstFloodWindowDuration(30)
                .setHttp2RstFloodWindowDurationTimeUnit(TimeUnit.SECONDS)
                // CONTINUATION flood: a run of tiny CONTINUATION frames closes the connection.
                .setHttp2MaxSmallContinuationFrames(16)
                .setInitialSettings(new Http2Settings()
                        .setMaxConcurrentStreams(H2_MAX_STREAMS)
                        // The same header budget as HTTP/1.1; a larger header block is a connection error.
                        .setMaxHeaderListSize(limits.maxHeaderBytes()));
    }

    /** Resets (either side's) per 30 s before an HTTP/2 connection is closed. */
    public static final int H2_RST_BUDGET = 200;
    /** Concurrent HTTP/2 streams per connection. */
    public static final int H2_MAX_STREAMS = 100;

    /** The head declares no body length: no body, or a chunked one. */
    public static final long NO_LENGTH = -1;

    /**
     * Checks a request head before anything else reads it. The request's one reading of
     * Content-Length (the wire guard frames raw bytes by its own): later stages take the length
     * from here. Framing faults close the connection.
     *
     * @return the declared body length, or {@link #NO_LENGTH}
     * @throws Rejection when the request may not go on
     */
    public long check(HttpServerRequest request) {
        // One pass over the fields, in their order: no lookup by name, and no list for a field
        // the request does not have (the usual head has no Transfer-Encoding or Connection).
        int fields = 0;
        int hosts = 0;
        String length = null;
        String encoding = null;
        String expect = null;
        int lengths = 0;
        int encodings = 0;
        List<String> connections = null;
        for (var field : request.headers()) { // size() counts distinct names; repeats must count too
            fields++;
            String name = field.getKey();
            String unsafe = FieldNames.ambiguity(name);
            if (unsafe != null) {
                throw reject(Reason.AMBIGUOUS_FRAMING, unsafe, true);
            }
            // Names are tokens here (ASCII), so equalsIgnoreCase matches as the header map does.
            switch (name.length()) {
                case 4 -> hosts += name.equalsIgnoreCase("host") ? 1 : 0;
                case 6 -> {
                    if (expect == null && name.equalsIgnoreCase("expect")) {
                        expect = field.getValue();
                    }
                }
                case 10 -> {
                    if (name.equalsIgnoreCase("connection")) {
                        connections = connections == null ? new java.util.ArrayList<>(2) : connections;
                        connections.add(field.getValue());
                    }
                }
                case 14 -> {
                    if (name.equalsIgnoreCase("content-length") && lengths++ == 0) {
                        length = field.getValue();
                    }
                }
                case 17 -> {
                    if (name.equalsIgnoreCase("transfer-encoding") && encodings++ == 0) {
                        encoding = field.getValue();
                    }
                }
                default -> { }
            }
        }
        if (fields > limits.maxHeaders()) {
            throw reject(Reason.HEADERS_TOO_LARGE, fields + " header fields", true);
        }
        if (length != null && encoding != null) {
            throw reject(Reason.AMBIGUOUS_FRAMING, "both Content-Length and Transfer-Encoding", true);
        }
        if (lengths > 1) {
            throw reject(Reason.AMBIGUOUS_FRAMING, "several Content-Length fields", true);
        }
        if (length != null && !plainNumber(length)) {
            throw reject(Reason.AMBIGUOUS_FRAMING, "Content-Length is not a plain number", true);
        }
        long declared = length == null ? NO_LENGTH : Long.parseLong(length);
        if (encoding != null) {
            boolean http11 = request.version() == HttpVersion.HTTP_1_1;
            if (!http11 || encodings != 1 || !encoding.toLowerCase(Locale.ROOT).equals("chunked")) {
                throw reject(Reason.AMBIGUOUS_FRAMING, "Transfer-Encoding other than a single 'chunked'", true);
            }
        }
        if (request.version() != HttpVersion.HTTP_2 && hosts != 1) {
            throw reject(Reason.BAD_REQUEST, "exactly one Host field is required", true);
        }
        for (String connection : connections == null ? List.<String>of() : connections) {
            for (String token : connection.split(",")) {
                String t = token.strip().toLowerCase(Locale.ROOT);
                // Any other token would make us drop that field after it was verified.
                if (!t.isEmpty() && !t.equals("close") && !t.equals("keep-alive") && !t.equals("upgrade")) {
                    throw reject(Reason.BAD_REQUEST, "Connection names a field: " + t, false);
                }
            }
        }
        if (expect != null && !expect.equalsIgnoreCase("100-continue")) {
            throw reject(Reason.BAD_REQUEST, "unsupported Expect", false);
        }
        if (request.authority() == null) {
            throw reject(Reason.BAD_REQUEST, "no authority", true);
        }
        if (!Target.isVisibleAscii(request.uri())) {
            // Netty reads the line as ISO-8859-1 but the client re-encodes the target as UTF-8:
            // a byte outside visible ASCII would reach the app as different bytes than were verified.
            throw reject(Reason.BAD_REQUEST, "request target has a byte outside visible ASCII", true);
        }
        String path = Target.rawPath(request.uri());
        if (path == null) {
            throw reject(Reason.BAD_REQUEST, "request target is not a path", true);
        }
        String unsafe = Target.ambiguity(path);
        if (unsafe != null) {
            throw reject(Reason.BAD_REQUEST, "path " + unsafe, false);
        }
        return declared;
    }

    /**
     * Why Netty's decoder refused a request it could not parse (bad syntax, bare CR/LF, bad
     * chunk line, line or header limits). The connection always closes: the rest of the
     * stream cannot be framed.
     */
    public Rejection invalid(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        if (cause instanceof ObsFold) {
            return new Rejection(Reason.AMBIGUOUS_FRAMING, cause.getMessage(), true);
        }
        if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
            return new Rejection(Reason.URI_TOO_LONG, "request line over " + limits.maxRequestLine() + " bytes", true);
        }
        if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
            return new Rejection(Reason.HEADERS_TOO_LARGE, "header block over " + limits.maxHeaderBytes() + " bytes",
                    true);
        }
        return new Rejection(Reason.AMBIGUOUS_FRAMING, "the decoder refused the request: "
                + (cause == null ? "unknown" : cause.getClass().getSimpleName()), true);
    }

    private static Rejection reject(Reason reason, String detail, boolean close) {
        return new Rejection(reason, detail, close);
    }

    /**
     * 1 to 18 ASCII digits (a Content-Length that {@code Long.parseLong} reads as written); a loop,
     * because String.matches compiles its regex on every request.
     */
    public static boolean plainNumber(String s) {
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
