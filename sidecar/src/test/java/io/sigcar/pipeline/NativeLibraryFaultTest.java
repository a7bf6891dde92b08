package io.sigcar.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import io.sigcar.crypto.MacKey;
import io.sigcar.verify.preset.GithubPreset;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code sigcar proxy} started with a corrupt libsigcar at {@code -Dsigcar.native.path}: random
 * bytes, or the real library cut short mid-ELF. The JVM must not crash; it warns naming the file,
 * reports the fallback in its metric, and verifies with Bouncy Castle as documented.
 */
class NativeLibraryFaultTest {

    static final String BODY = "{\"push\":1}";
    static final byte[] SECRET = "the-github-secret-native-0123456789abcd".getBytes(StandardCharsets.US_ASCII);

    static Stream<Arguments> corruptions() throws Exception {
        byte[] real;
        try (InputStream in = NativeLibraryFaultTest.class.getResourceAsStream(
                "/META-INF/native/linux-x86_64/libsigcar.so")) {
            real = in.readAllBytes();
        }
        byte[] random = new byte[64 * 1024];
        new Random(9421).nextBytes(random);
        return Stream.of(
                Arguments.of("random bytes", random),
                Arguments.of("truncated ELF", Arrays.copyOf(real, 4096)),
                Arguments.of("ELF header only", Arrays.copyOf(real, 64)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptions")
    void corruptLibraryFallsBackLoudlyAndStillVerifies(String what, byte[] content, @TempDir Path dir)
            throws Exception {
        Path lib = Files.write(dir.resolve("libsigcar.so"), content);
        Path keys = Files.createDirectory(dir.resolve("keys"));
        Files.write(keys.resolve("gh"), SECRET);
        try (FaultyApp app = new FaultyApp();
                SidecarProcess sidecar = new SidecarProcess(dir, List.of("-Dsigcar.native.path=" + lib),
                        "--keys", keys.toString(), "--github-keys", "gh", "--upstream", "127.0.0.1:" + app.port(),
                        "--routes", "name=gh,path=/hook,action=verify,schemes=github", "--audit", "false")) {
            String log = sidecar.output();
            assertTrue(log.contains("native crypto unavailable"), what + ": no warning: " + log);
            assertTrue(log.contains(lib.toString()), what + ": the warning names the file: " + log);
            assertEquals(1.0, sidecar.metric("sigcar_crypto_fallback"), what);

            Map<String, String> headers;
            try (MacKey k = Crypto.create(CryptoConfig.defaults()).macKey(Algorithm.HMAC_SHA256, SECRET)) {
                headers = GithubPreset.sign(k, Unpooled.wrappedBuffer(BODY.getBytes(StandardCharsets.UTF_8)));
            }
            HttpClient client = HttpClient.newHttpClient();
            HttpRequest.Builder good = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.port + "/hook"))
                    .POST(HttpRequest.BodyPublishers.ofString(BODY));
            headers.forEach(good::header);
            assertEquals(200, client.send(good.build(), HttpResponse.BodyHandlers.discarding()).statusCode());
            HttpRequest.Builder bad = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.port + "/hook"))
                    .POST(HttpRequest.BodyPublishers.ofString(BODY + " "));
            headers.forEach(bad::header);
            assertEquals(401, client.send(bad.build(), HttpResponse.BodyHandlers.discarding()).statusCode(),
                    "the fallback still refuses what does not verify");
            assertTrue(sidecar.process.isAlive());
        }
    }
}
