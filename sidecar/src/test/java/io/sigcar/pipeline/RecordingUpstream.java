package io.sigcar.pipeline;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The app behind the sidecar in tests: a real HTTP server on loopback that records every
 * request it receives (head and body) and answers 200 with the body echoed. A path containing
 * {@code /slow} answers late, {@code /hints} sends 103 Early Hints first, {@code /close} ends
 * the connection after its answer, {@code /not-modified} answers 304 and {@code /phrase} gives its
 * 200 a reason phrase of its own.
 */
final class RecordingUpstream implements AutoCloseable {

    /** One request as the app saw it; {@code peerPort} tells the sidecar's connections apart. */
    record Seen(String method, String uri, Map<String, List<String>> headers, byte[] body, int peerPort) {
        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(java.util.Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.getFirst();
        }
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    final List<Seen> seen = new CopyOnWriteArrayList<>();

    RecordingUpstream() throws Exception {
        server = vertx.createHttpServer().webSocketHandler(ws -> {
            Map<String, List<String>> headers = new java.util.TreeMap<>();
            ws.headers().forEach(e -> headers.computeIfAbsent(e.getKey().toLowerCase(java.util.Locale.ROOT),
                    k -> new java.util.ArrayList<>()).add(e.getValue()));
            seen.add(new Seen("WEBSOCKET", ws.uri(), headers, new byte[0], ws.remoteAddress().port()));
            ws.textMessageHandler(text -> ws.writeTextMessage("echo:" + text));
        }).requestHandler(req -> req.body().onSuccess(body -> {
            Map<String, List<String>> headers = new java.util.TreeMap<>();
            req.headers().forEach(e -> headers.computeIfAbsent(e.getKey().toLowerCase(java.util.Locale.ROOT),
                    k -> new java.util.ArrayList<>()).add(e.getValue()));
            seen.add(new Seen(req.method().name(), req.uri(), headers, body.getBytes(), req.remoteAddress().port()));
            if (req.path().contains("/slow")) {
                vertx.setTimer(Long.parseLong(req.getParam("ms", "500")), id -> req.response().end("slow done"));
                return;
            }
            if (req.path().contains("/hints")) { // a 1xx before the answer: the sidecar does not pass it on
                req.response().writeEarlyHints(io.vertx.core.MultiMap.caseInsensitiveMultiMap()
                        .add("link", "</style.css>; rel=preload"));
            }
            if (req.path().contains("/not-modified")) { // no body, and no length field: the status says so
                req.response().setStatusCode(304).end();
                return;
            }
            if (req.path().contains("/phrase")) { // a reason phrase of the app's own
                req.response().setStatusMessage("Fine Thanks");
            }
            if (req.path().contains("/close")) { // the app ends its keep-alive connection after this answer
                req.response().putHeader("connection", "close");
            }
            req.response().putHeader("x-upstream", "yes").end(Buffer.buffer("echo:").appendBuffer(body));
        })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    }

    int port() {
        return server.actualPort();
    }

    @Override
    public void close() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }
}
