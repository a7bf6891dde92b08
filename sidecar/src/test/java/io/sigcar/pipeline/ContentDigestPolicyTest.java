package io.sigcar.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sigcar.config.Field;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code require-content-digest} through the whole sidecar, with RFC 9421's own example B.2.5 as
 * published (a POST whose signature covers {@code date}, {@code @authority} and
 * {@code content-type}, not the digest), at its own time.
 */
class ContentDigestPolicyTest {

    /** RFC 9421 B.1.5, the shared secret behind keyid test-shared-secret. */
    static final byte[] SECRET = Base64.getDecoder().decode(
            "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==");
    static final InstantSource AT_ITS_TIME = InstantSource.fixed(Instant.ofEpochSecond(1618884473L + 10));
    static final String DIGEST = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";
    static final Map<Field, String> OFF = Map.of(Field.REQUIRED_COMPONENTS, "@authority",
            Field.REQUIRE_CONTENT_DIGEST, "false", Field.AUDIT, "false");

    @TempDir
    Path keys;

    @Test
    void b25AsPublishedVerifiesWhenTheDigestNeedNotBeCovered() throws Exception {
        try (ProxyHarness proxy = proxy(OFF)) {
            String answer = send(proxy, "{\"hello\": \"world\"}", DIGEST);
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertEquals("test-shared-secret", proxy.upstream.seen.getLast().header("sigcar-key-id"));
            // Uncovered, the field may be left out: the body is then simply not signed.
            assertTrue(send(proxy, "{\"hello\": \"world\"}", null).startsWith("HTTP/1.1 200"));
        }
    }

    @Test
    void aContentDigestThatIsPresentMustStillMatch() throws Exception {
        try (ProxyHarness proxy = proxy(OFF)) {
            int seen = proxy.upstream.seen.size();
            // Same length, one byte changed: the signature still verifies, the digest does not.
            String answer = send(proxy, "{\"hello\": \"World\"}", DIGEST);
            assertTrue(answer.startsWith("HTTP/1.1 401"), answer);
            assertTrue(answer.contains("\"reason\":\"digest_mismatch\""), answer);
            assertEquals(seen, proxy.upstream.seen.size(), "nothing reached the app");
        }
    }

    @Test
    void byDefaultB25IsRefusedForLeavingTheBodyUnsigned() throws Exception {
        try (ProxyHarness proxy = proxy(Map.of(Field.REQUIRED_COMPONENTS, "@authority", Field.AUDIT, "false"))) {
            String answer = send(proxy, "{\"hello\": \"world\"}", DIGEST);
            assertTrue(answer.startsWith("HTTP/1.1 401"), answer);
            assertTrue(answer.contains("\"reason\":\"missing_component\""), answer);
            assertTrue(proxy.upstream.seen.isEmpty(), "nothing reached the app");
        }
    }

    private ProxyHarness proxy(Map<Field, String> settings) throws Exception {
        Files.write(keys.resolve("test-shared-secret"), SECRET);
        return new ProxyHarness(keys, settings, AT_ITS_TIME, Verifications::build);
    }

    /** B.2's test request and B.2.5's signature, byte for byte, with the given body and digest. */
    private static String send(ProxyHarness proxy, String body, String digest) throws Exception {
        String request = "POST /foo?param=Value&Pet=dog HTTP/1.1\r\n"
                + "Host: example.com\r\n"
                + "Date: Tue, 20 Apr 2021 02:07:55 GMT\r\n"
                + "Content-Type: application/json\r\n"
                + (digest == null ? "" : "Content-Digest: " + digest + "\r\n")
                + "Content-Length: " + body.length() + "\r\n"
                + "Signature-Input: sig-b25=(\"date\" \"@authority\" \"content-type\");created=1618884473;"
                + "keyid=\"test-shared-secret\"\r\n"
                + "Signature: sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:\r\n"
                + "Connection: close\r\n\r\n" + body;
        try (Socket s = new Socket("127.0.0.1", proxy.ports.proxy())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
