package io.sigcar.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Cross-checks the native provider against @noble/hashes from npm, a JavaScript BLAKE3,
 * HMAC and SHA-2 written independently of every library we link, so that passing the
 * differential tests cannot mean we agree with ourselves by accident.
 *
 * <p>Maven installs the package (src/test/node, pinned by package-lock.json) before tests;
 * without node this test fails rather than skips.
 */
class NobleCrossCheckTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void nativeMatchesNobleHashes() throws Exception {
        Path dir = Path.of(System.getProperty("sigcar.test.node.dir", "target/node"));
        assertTrue(Files.isDirectory(dir.resolve("node_modules/@noble/hashes")),
                "npm ci has not installed @noble/hashes into " + dir + "; run the build through Maven");
        CryptoProvider nat = new NativeProvider();

        SplittableRandom random = new SplittableRandom(20261123);
        List<String> lines = new ArrayList<>();
        List<byte[]> expected = new ArrayList<>();
        int[] lengths = {0, 1, 64, 1023, 1024, 1025, 4097, 65536, 65537, 200_000};
        for (Algorithm a : Algorithm.values()) {
            for (int i = 0; i < lengths.length + 10; i++) {
                int len = i < lengths.length ? lengths[i] : random.nextInt(20_000);
                byte[] msg = new byte[len];
                random.nextBytes(msg);
                byte[] key = null;
                byte[] out;
                if (a.kind() == Algorithm.Kind.MAC) {
                    key = new byte[a == Algorithm.BLAKE3_KEYED ? 32 : 1 + random.nextInt(150)];
                    random.nextBytes(key);
                    try (MacKey k = nat.macKey(a, key)) {
                        out = k.mac(msg);
                    }
                } else {
                    out = nat.digest(a, msg);
                }
                lines.add(a.id() + " " + hexOrDash(key) + " " + hexOrDash(msg));
                expected.add(out);
            }
        }

        Process node = new ProcessBuilder("node", "crosscheck.mjs").directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<String> answers = new ArrayList<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(node.getInputStream(),
                    StandardCharsets.US_ASCII))) {
                r.lines().forEach(answers::add);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (Writer w = new OutputStreamWriter(node.getOutputStream(), StandardCharsets.US_ASCII)) {
            for (String line : lines) {
                w.write(line);
                w.write('\n');
            }
        }
        assertTrue(node.waitFor(120, TimeUnit.SECONDS), "node did not finish");
        reader.join();
        assertEquals(0, node.exitValue(), "node crosscheck.mjs failed");
        assertEquals(lines.size(), answers.size());
        for (int i = 0; i < lines.size(); i++) {
            String head = lines.get(i).substring(0, Math.min(80, lines.get(i).length()));
            assertEquals(HEX.formatHex(expected.get(i)), answers.get(i), "case " + i + ": " + head);
        }
    }

    private static String hexOrDash(byte[] b) {
        return b == null || b.length == 0 ? "-" : HEX.formatHex(b);
    }
}
