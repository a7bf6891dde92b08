package io.sigcar.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sigcar.config.Field;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The app's answers as a byte-exact app sends them, through the real proxy: chunked with
 * extensions and trailers, read until close, after a 103, and the ones that are refused (502)
 * because a client could read them two ways. The app is a plain socket server, so the bytes are
 * exactly the ones written here.
 */
class AppAnswersTest {

    static final Map<Field, String> SETTINGS = Map.of(Field.ROUTES, "name=all,path=/,action=allow",
            Field.UPSTREAM_TIMEOUT, "2s", Field.AUDIT, "false");

    private static final Map<String, String> ANSWERS = Map.of(
            "/chunked", "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nx-a: 1\r\n\r\n"
                    + "5;ext=\"v\"\r\nhello\r\n6\r\n world\r\n0\r\nx-trailer: 1\r\n\r\n",
            "/close", "HTTP/1.1 200 OK\r\nx-b: 2\r\n\r\nuntil close",
            "/hints", "HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\n"
                    + "HTTP/1.1 201 Created\r\ncontent-length: 4\r\n\r\nmade",
            "/extra", "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
                    + "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nsmug!",
            "/both", "HTTP/1.1 200 OK\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n",
            "/folded", "HTTP/1.1 200 OK\r\nx-a: 1\r\n folded\r\ncontent-length: 2\r\n\r\nok",
            "/bare-lf", "HTTP/1.1 200 OK\ncontent-length: 2\n\nok",
            "/two-lengths", "HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nok!");

    @TempDir
    Path keys;

    @Test
    void answersAreRelayedByTheirFramingAndAmbiguousOnesAre502() throws Exception {
        try (ScriptedApp app = new ScriptedApp();
                ProxyHarness proxy = new ProxyHarness(app.port(), keys, SETTINGS, InstantSource.system(),
                        ProxyHarness::none)) {
            HttpResponse<String> chunked = get(proxy, "/chunked");
            assertEquals(200, chunked.statusCode());
            assertEquals("hello world", chunked.body());
            assertEquals("1", chunked.headers().firstValue("x-a").orElse(null));
            assertTrue(chunked.headers().firstValue("x-trailer").isEmpty(), "trailers are not relayed");

            HttpResponse<String> close = get(proxy, "/close");
            assertEquals(200, close.statusCode());
            assertEquals("until close", close.body());

            HttpResponse<String> hints = get(proxy, "/hints");
            assertEquals(201, hints.statusCode());
            assertEquals("made", hints.body());

            // The app sent an answer nobody asked for after the first: the connection that
            // carried it is not used again, so no later request gets "smug!".
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> extra = get(proxy, "/extra");
                assertEquals(200, extra.statusCode());
                assertEquals("ok", extra.body());
                assertEquals("hello world", get(proxy, "/chunked").body());
            }

            for (String path : new String[] {"/both", "/folded", "/bare-lf", "/two-lengths"}) {
                HttpResponse<String> refused = get(proxy, path);
                assertEquals(502, refused.statusCode(), path);
                assertTrue(refused.body().contains("\"reason\":\"upstream_unavailable\""), path + ": " + refused.body());
            }
            assertEquals("hello world", get(proxy, "/chunked").body(), "the proxy still serves");
            assertEquals(0, app.strays.get(), "every request reached the app as one request");
        }
    }

    private static HttpResponse<String> get(ProxyHarness proxy, String path) throws Exception {
        return UpstreamFaultTest.CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.ports.proxy()
                + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Answers each request with the canned bytes for its path; closes after {@code /close}. */
    private static final class ScriptedApp implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final AtomicInteger strays = new AtomicInteger();

        ScriptedApp() throws IOException {
            Thread.ofPlatform().daemon().name("scripted-app").start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread.ofPlatform().daemon().start(() -> serve(s));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve(Socket s) {
            try (s) {
                InputStream in = s.getInputStream();
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    String path = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
                    int length = 0;
                    for (String line : head.split("\r\n")) {
                        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring(15).strip());
                        }
                    }
                    in.readNBytes(length);
                    String answer = ANSWERS.get(path);
                    if (answer == null) {
                        strays.incrementAndGet();
                        return;
                    }
                    s.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
                    s.getOutputStream().flush();
                    if (path.equals("/close")) {
                        return;
                    }
                }
            } catch (IOException gone) {
                // the proxy closed this connection
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0) {
                head.write(c);
                byte[] b = head.toByteArray();
                int n = b.length;
                if (n >= 4 && b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r' && b[n - 1] == '\n') {
                    return head.toString(StandardCharsets.ISO_8859_1);
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
