package io.sigcar.verify.preset;

import static io.sigcar.verify.preset.Fixtures.assertRejected;
import static io.sigcar.verify.preset.Fixtures.assertVerified;
import static io.sigcar.verify.preset.Fixtures.hmac;
import static io.sigcar.verify.preset.Fixtures.keys;
import static io.sigcar.verify.preset.Fixtures.request;
import static io.sigcar.verify.preset.Fixtures.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.sigcar.crypto.MacKey;
import io.sigcar.reject.Reason;
import io.sigcar.verify.Verifier;
import io.sigcar.verify.preset.Fixtures.Preset;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The vendors' own npm SDKs and our presets agree, both ways: what @octokit/webhooks-methods and
 * stripe sign, we verify; what we sign, their verifiers (and @slack/bolt's, Slack's SDK having no
 * signer) accept. Tampered bodies are sent too, so a verifier that says yes to everything fails.
 *
 * <p>Maven installs the pinned packages (src/test/node) before tests; without node this test
 * fails rather than skips.
 */
class VendorSdkCrossCheckTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final int CASES = 40;

    /** One random delivery: secret and body as arbitrary UTF-8 text, which is all the SDKs accept. */
    record Delivery(String secret, String body, long timestamp) {}

    static Stream<Preset> presets() {
        return Stream.of(Preset.values());
    }

    @ParameterizedTest
    @MethodSource("presets")
    void vendorSdkAndPresetAgree(Preset preset) throws Exception {
        SplittableRandom random = new SplittableRandom(20260101L + preset.ordinal());
        List<Delivery> deliveries = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {
            deliveries.add(new Delivery(text(random, 16 + random.nextInt(60), true),
                    text(random, 1 + random.nextInt(i < CASES / 2 ? 200 : 20_000), false),
                    1_600_000_000L + random.nextInt(200_000_000)));
        }
        String vendor = preset.scheme();

        List<String> lines = new ArrayList<>();
        List<String> ourHeaders = new ArrayList<>();
        for (Delivery d : deliveries) {
            String ours = signatureHeaderValue(preset, d, d.body());
            ourHeaders.add(ours);
            lines.add(line(vendor + "-verify", d, d.body(), ours));
            lines.add(line(vendor + "-verify", d, d.body() + "!", ours));
            if (preset != Preset.SLACK) {
                lines.add(line(vendor + "-sign", d, d.body(), null));
            }
        }
        List<String> answers = runNode(lines);

        int at = 0;
        for (int i = 0; i < deliveries.size(); i++) {
            Delivery d = deliveries.get(i);
            String context = vendor + " case " + i;
            assertEquals("true", answers.get(at++), context + ": the SDK refuses what we signed");
            assertEquals("false", answers.get(at++), context + ": the SDK accepts a tampered body");
            if (preset != Preset.SLACK) {
                String theirs = answers.get(at++);
                assertEquals(ourHeaders.get(i), theirs, context + ": our signer differs from the SDK's");
                Verifier v = preset.create(PresetConfig.of("k"), keys(Map.of("k", d.secret())));
                Instant at0 = Instant.ofEpochSecond(d.timestamp());
                Map<String, String> headers = Map.of(preset.signatureHeader(), theirs);
                assertVerified("k", vendor, v.verify(request(headers, d.body(), at0)));
                assertRejected(Reason.BAD_SIGNATURE, v.verify(request(headers, d.body() + "!", at0)));
            }
        }
        assertEquals(answers.size(), at);
    }

    private static String signatureHeaderValue(Preset preset, Delivery d, String body) {
        try (MacKey key = hmac(d.secret())) {
            return preset.sign(key, Unpooled.wrappedBuffer(utf8(body)), d.timestamp()).get(preset.signatureHeader());
        }
    }

    private static String line(String op, Delivery d, String body, String header) {
        String base = op + " " + HEX.formatHex(utf8(d.secret())) + " " + d.timestamp() + " " + HEX.formatHex(utf8(body));
        return header == null ? base : base + " " + HEX.formatHex(utf8(header));
    }

    /** Random text mixing ASCII, accented letters, CJK and astral symbols; secrets stay printable ASCII. */
    private static String text(SplittableRandom random, int codePoints, boolean ascii) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < codePoints; i++) {
            int kind = ascii ? 0 : random.nextInt(8);
            int cp = switch (kind) {
                case 5 -> 0xC0 + random.nextInt(0x100);
                case 6 -> 0x4E00 + random.nextInt(0x5000);
                case 7 -> 0x1F300 + random.nextInt(0x300);
                default -> ascii ? 0x21 + random.nextInt(0x5E) : 0x09 + random.nextInt(0x76);
            };
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    private static List<String> runNode(List<String> lines) throws Exception {
        Path dir = Path.of(System.getProperty("sigcar.test.node.dir", "target/node"));
        for (String pkg : List.of("@octokit/webhooks-methods", "stripe", "@slack/bolt")) {
            assertTrue(Files.isDirectory(dir.resolve("node_modules").resolve(pkg)),
                    "npm ci has not installed " + pkg + " into " + dir + "; run the build through Maven");
        }
        Process node = new ProcessBuilder("node", "webhooks.mjs").directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<String> answers = new ArrayList<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(node.getInputStream(),
                    StandardCharsets.US_ASCII))) {
                r.lines().forEach(answers::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
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
        assertEquals(0, node.exitValue(), "node webhooks.mjs failed");
        assertEquals(lines.size(), answers.size(), "one answer per line");
        return answers;
    }
}
