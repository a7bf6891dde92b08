package io.sigcar.accept;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Framing where verification is at stake, with real keys and the github preset: pipelined
 * requests after a failed verification, signature fields smuggled in chunked trailers, and
 * path tricks, where policy and verification must see the very target the app receives.
 */
class VerifiedFramingTest {

    @TempDir
    static Path keys;
    static WireHarness wire;

    @BeforeAll
    static void start() throws Exception {
        wire = new WireHarness(keys, Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        assertEquals(List.of(), wire.upstream.faults(), "the app could not frame what it got");
        wire.close();
    }

    static String sign(String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(WireHarness.GITHUB_SECRET, "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    static String github(String target, String body, String signature) {
        return "POST " + target + " HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length()
                + "\r\nX-Hub-Signature-256: " + signature + "\r\n\r\n" + body;
    }

    static List<RawUpstream.Seen> reached(String target) {
        return wire.upstream.seen().stream().filter(s -> s.target().equals(target)).toList();
    }

    static RawClient.Exchange send(String raw, int answers) throws Exception {
        return RawClient.send(wire.ports.proxy(), raw.getBytes(StandardCharsets.ISO_8859_1), answers, false, 5_000);
    }

    @Test
    void signedRequestIsForwardedExactly() throws Exception {
        String body = "{\"a\":1}";
        RawClient.Exchange ex = send(github("/hooks/github?id=1", body, sign(body)), 1);
        assertEquals(200, ex.responses().getFirst().status(), ex.responses().toString());
        RawUpstream.Seen seen = reached("/hooks/github?id=1").getFirst();
        assertEquals(body, new String(seen.body(), StandardCharsets.UTF_8));
        assertEquals("github-1", seen.header("sigcar-key-id"));
    }

    @Test
    void pipelinedRequestAfterAFailedVerificationIsHandledOnItsOwn() throws Exception {
        String evil = "evil";
        String first = github("/hooks/github?p=bad", evil, "sha256=" + "00".repeat(32));
        String second = "GET /public/after-bad HTTP/1.1\r\nHost: a\r\n\r\n";
        RawClient.Exchange ex = send(first + second, 2);
        assertEquals(401, ex.responses().getFirst().status());
        assertTrue(ex.responses().getFirst().text().contains("\"reason\":\"bad_signature\""));
        assertEquals(List.of(), reached("/hooks/github?p=bad"), "unverified bytes reached the app");
        // The second request is either served on its own or refused with the connection: never merged.
        if (ex.responses().size() == 2) {
            assertEquals(200, ex.responses().get(1).status());
            assertEquals(1, reached("/public/after-bad").size());
            assertEquals(0, reached("/public/after-bad").getFirst().body().length);
        } else {
            assertTrue(ex.closed(), "no second answer and no close");
            assertEquals(List.of(), reached("/public/after-bad"));
        }
    }

    @Test
    void requestSmuggledInAVerifiedBodyStaysBody() throws Exception {
        String inner = "GET /admin/secret HTTP/1.1\r\nHost: a\r\n\r\n";
        String bad = github("/hooks/github?p=inner-bad", inner, "sha256=" + "11".repeat(32));
        String good = github("/hooks/github?p=inner-good", inner, sign(inner));
        RawClient.Exchange ex = send(bad + good, 2);
        assertEquals(List.of(401, 200), ex.responses().stream().map(RawClient.Response::status).toList());
        assertEquals(List.of(), reached("/hooks/github?p=inner-bad"));
        assertEquals(inner, new String(reached("/hooks/github?p=inner-good").getFirst().body(),
                StandardCharsets.ISO_8859_1), "the inner request arrives as the body it was");
        assertEquals(List.of(), reached("/admin/secret"), "and never as a request");
    }

    @Test
    void signatureInATrailerIsNeverUsed() throws Exception {
        String body = "hello";
        String chunked = "POST /hooks/github?p=trailer-only HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\n" + body + "\r\n0\r\nX-Hub-Signature-256: " + sign(body) + "\r\n\r\n";
        RawClient.Exchange ex = send(chunked, 1);
        assertEquals(401, ex.responses().getFirst().status(), "a signature only in the trailer must not verify");
        assertTrue(ex.responses().getFirst().text().contains("missing_signature"), ex.responses().toString());
        assertEquals(List.of(), reached("/hooks/github?p=trailer-only"));
    }

    @Test
    void trailerFieldsNeverReachTheAppNorOverrideTheHead() throws Exception {
        String body = "hello";
        String chunked = "POST /hooks/github?p=trailer-extra HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                + "X-Hub-Signature-256: " + sign(body) + "\r\n\r\n5\r\n" + body + "\r\n0\r\n"
                + "X-Hub-Signature-256: sha256=" + "22".repeat(32) + "\r\nAuthorization: Bearer forged\r\n"
                + "Content-Length: 999\r\nHost: evil.example\r\nSigcar-Key-Id: forged\r\n\r\n";
        RawClient.Exchange ex = send(chunked, 1);
        assertEquals(200, ex.responses().getFirst().status(), ex.responses().toString());
        RawUpstream.Seen seen = reached("/hooks/github?p=trailer-extra").getFirst();
        assertEquals(sign(body), seen.header("x-hub-signature-256"), "the head's signature, not the trailer's");
        assertNull(seen.header("authorization"));
        assertEquals("5", seen.header("content-length"));
        assertEquals("a", seen.header("host"));
        assertEquals("github-1", seen.header("sigcar-key-id"));
        assertEquals(1, seen.headers().stream().filter(h -> h[0].equals("x-hub-signature-256")).count());
    }

    /** Target → what must happen: "400", "403" (the deny route), or "app" (forwarded exactly). */
    static Stream<Arguments> pathTricks() {
        return Stream.of(
                Arguments.of("/admin", "403"),
                Arguments.of("/admin/", "403"),
                Arguments.of("/ADMIN", "app"), // case matters to the route table and to the app alike
                Arguments.of("/a/../admin", "400"),
                Arguments.of("/./admin", "400"),
                Arguments.of("//admin", "400"),
                Arguments.of("/public//admin", "400"),
                Arguments.of("/admin;x=1", "400"),
                Arguments.of("/admin;", "400"),
                Arguments.of("/public/..;/admin", "400"),
                Arguments.of("/public/%2e%2e/admin", "400"),
                Arguments.of("/public/%2E%2E/admin", "400"),
                Arguments.of("/public%2fadmin", "400"),
                Arguments.of("/public/%5cadmin", "400"),
                Arguments.of("/public\\..\\admin", "400"),
                Arguments.of("/public/x%00", "400"),
                Arguments.of("/public/x#frag", "400"),
                Arguments.of("http://a/admin", "400"),
                Arguments.of("http://a/public/x", "400"),
                Arguments.of("*", "400"),
                Arguments.of("admin", "400"),
                Arguments.of("/public/%41dmin", "app"),
                Arguments.of("/public/x?y=/../admin", "app"),
                Arguments.of("/public/x?%2e%2e", "app"),
                Arguments.of("/hooks/github/../../public/x", "400"),
                Arguments.of("/hooks/github%2f..", "400"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("pathTricks")
    void policyVerificationAndTheAppSeeOnePath(String target, String expected) throws Exception {
        RawClient.Exchange ex = send("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n", 1);
        int status = ex.responses().getFirst().status();
        List<RawUpstream.Seen> reached = reached(target);
        switch (expected) {
            case "app" -> {
                assertEquals(200, status, ex.responses().toString());
                assertEquals(1, reached.size(), "forwarded with the very target the client sent");
                String rawPath = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
                assertTrue(waitForAudit("\"path\":\"" + rawPath + "\""), "policy logged another path than "
                        + rawPath + ": " + wire.audit());
            }
            default -> {
                assertEquals(Integer.parseInt(expected), status, ex.responses().toString());
                assertEquals(List.of(), reached);
            }
        }
        // Nothing may reach the app at a target the client did not send (a rewritten or normalised one).
        for (RawUpstream.Seen s : wire.upstream.seen()) {
            assertTrue(!s.target().equals("/admin") && !s.target().startsWith("/admin/"), "admin reached: " + s.target());
        }
    }

    static boolean waitForAudit(String needle) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!wire.audit().contains(needle)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }
}
