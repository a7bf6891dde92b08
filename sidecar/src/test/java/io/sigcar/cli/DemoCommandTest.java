package io.sigcar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's run command works: every request of the tour gets the status it should, with its reason. */
class DemoCommandTest {

    @Test
    void tourGivesTheExpectedAnswers() {
        var r = SelftestCommandTest.run("demo", "--once", "--port", "0", "--admin-port", "0");
        assertEquals(0, r.exit(), r.out() + r.err());
        for (String expected : new String[] {
            "RFC 9421 hmac-sha256                         200     200", "RFC 9421 blake3-keyed                        200     200",
            "GitHub webhook                               200     200", "Stripe webhook                               200     200",
            "Slack webhook                                200     200",
            "the same Stripe event again                  401     401    replayed", "missing_signature", "digest_mismatch", "replayed",
            "stale", "unknown keyid                                401     401    bad_signature",
            "metrics:  http://127.0.0.1:", "sign --send --key "}) {
            assertTrue(r.out().contains(expected), "missing '" + expected + "' in:\n" + r.out());
        }
        assertTrue(!r.out().contains(" !"), "no unexpected status: " + r.out());
    }

    /** The image build's AOT training run: every request it sends gets the status it should. */
    @Test
    void trainingSendsEveryKindOfRequestAndAllAnswerAsExpected() {
        var r = SelftestCommandTest.run("demo", "--once", "--train", "2", "--port", "0", "--admin-port", "0");
        assertEquals(0, r.exit(), r.out() + r.err());
        var m = java.util.regex.Pattern.compile("training: (\\d+) requests in 2 s, 0 with an unexpected status")
                .matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(Integer.parseInt(m.group(1)) >= 9, "at least one round of the nine kinds: " + r.out());
    }

    @Test
    void signPrintsHeadersForEveryScheme(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("client-a");
        Files.write(key, new byte[32]);
        var rfc = SelftestCommandTest.run("sign", "--key", key.toString(), "--data", "hi", "--nonce", "auto",
                "--created", "1700000000", "http://h:8000/p?q=1");
        assertEquals(0, rfc.exit(), rfc.err());
        assertTrue(rfc.out().contains("Content-Digest: sha-256=:"), rfc.out());
        assertTrue(rfc.out().contains("Signature-Input: sig1=(\"@method\" \"@authority\" \"@path\" \"@query\" "
                + "\"content-digest\");created=1700000000;nonce=\""), rfc.out());
        assertTrue(rfc.out().contains(";keyid=\"client-a\";alg=\"hmac-sha256\""), rfc.out());
        var gh = SelftestCommandTest.run("sign", "--scheme", "github", "--key", key.toString(), "--data", "hi",
                "http://h/");
        assertTrue(gh.out().startsWith("X-Hub-Signature-256: sha256="), gh.out());
        var bad = SelftestCommandTest.run("sign", "--scheme", "nope", "--key", key.toString(), "http://h/");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("--scheme: 'nope'"), bad.err());
    }

    @Test
    void signCountPrintsAPoolOfDistinctNonces(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("client-a");
        Files.write(key, new byte[32]);
        var pool = SelftestCommandTest.run("sign", "--key", key.toString(), "--data", "hi", "--nonce", "auto",
                "--count", "3", "http://h:8000/p");
        assertEquals(0, pool.exit(), pool.err());
        String[] blocks = pool.out().strip().split("\\R\\R");
        assertEquals(3, blocks.length, pool.out());
        var nonces = new java.util.HashSet<String>();
        var digests = new java.util.HashSet<String>();
        for (String block : blocks) {
            var m = java.util.regex.Pattern.compile(";nonce=\"([0-9a-f]+)\"").matcher(block);
            assertTrue(m.find(), block);
            nonces.add(m.group(1));
            digests.add(block.lines().filter(l -> l.startsWith("Content-Digest: ")).findFirst().orElseThrow());
        }
        assertEquals(3, nonces.size(), pool.out());
        assertEquals(1, digests.size(), pool.out());
        var bad = SelftestCommandTest.run("sign", "--key", key.toString(), "--count", "0", "http://h/");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("--count"), bad.err());
    }
}
