package io.sigcar.verify.rfc9421;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sigcar.crypto.Algorithm;
import io.sigcar.reject.Reason;
import io.sigcar.verify.Verdict;
import io.sigcar.verify.keys.VerifyKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Requests signed by the npm package http-message-signatures (hmac-sha256), an implementation
 * written without reference to ours, verify with Rfc9421Verifier; changed copies do not.
 *
 * <p>Maven installs the package (src/test/node, pinned by package-lock.json) before tests;
 * without node this test fails rather than skips.
 */
class Rfc9421InteropTest {

    static final long CREATED = 1_750_000_000L;
    static final byte[] SECRET = Fixtures.bytes(32, 42);

    @Test
    void npmSignedRequestsVerify() throws Exception {
        List<JsonNode> cases = signWithNode();
        assertEquals(4, cases.size(), "node printed " + cases);
        VerifyKey key = Fixtures.key("node-key", Algorithm.HMAC_SHA256, SECRET);
        for (JsonNode c : cases) {
            String name = c.get("name").asString();
            TestRequest request = toRequest(c);
            Rfc9421Verifier verifier = new Rfc9421Verifier(
                    Rfc9421Config.defaults().withClock(Fixtures.at(CREATED + 3)),
                    Fixtures.lookup(key), new MemoryReplayGuard(10), Fixtures.CRYPTO);
            Verdict.Verified ok = org.junit.jupiter.api.Assertions.assertInstanceOf(Verdict.Verified.class,
                    verifier.verify(request), name);
            assertEquals(new Verdict.Verified("node-key", "rfc9421", Algorithm.HMAC_SHA256),
                    new Verdict.Verified(ok.keyId(), ok.scheme(), ok.algorithm()), name);
            assertEquals(name.contains("nonce") ? 1 : 0, ok.claims().size(), name + ": a nonce is claimed, once");

            TestRequest otherPath = new TestRequest(request.method(), request.scheme(), request.authority(),
                    request.rawPath() + "x", request.rawQuery(), request.headers(), request.bytes(), request.receivedAt());
            assertEquals(Reason.BAD_SIGNATURE,
                    assertInstanceOf(Verdict.Rejected.class, verifier.verify(otherPath), name).reason(), name);
            if (request.bytes().length > 0) {
                byte[] body = request.bytes().clone();
                body[body.length - 1] ^= 1;
                assertEquals(Reason.DIGEST_MISMATCH, assertInstanceOf(Verdict.Rejected.class,
                        verifier.verify(request.withBody(body)), name).reason(), name);
            }
        }
    }

    private static TestRequest toRequest(JsonNode c) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> h : c.get("headers").properties()) {
            headers.put(h.getKey(), List.of(h.getValue().asString()));
        }
        return TestRequest.of(c.get("method").asString(), c.get("url").asString(), headers,
                c.get("body").asString().getBytes(StandardCharsets.UTF_8));
    }

    private static List<JsonNode> signWithNode() throws IOException, InterruptedException {
        Path dir = Path.of(System.getProperty("sigcar.test.node.dir", "target/node"));
        assertTrue(Files.isDirectory(dir.resolve("node_modules/http-message-signatures")),
                "npm ci has not installed http-message-signatures into " + dir + "; run the build through Maven");
        Process node = new ProcessBuilder("node", "sign-rfc9421.mjs", HexFormat.of().formatHex(SECRET),
                Long.toString(CREATED)).directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        node.getOutputStream().close();
        String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(node.waitFor(60, TimeUnit.SECONDS), "node did not finish");
        assertEquals(0, node.exitValue(), "node sign-rfc9421.mjs failed");
        JsonMapper json = JsonMapper.builder().build();
        return out.lines().filter(l -> !l.isBlank()).map(json::readTree).toList();
    }
}
