package io.sigcar.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.Unpooled;
import io.sigcar.config.Field;
import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import io.sigcar.crypto.MacKey;
import io.sigcar.verify.preset.GithubPreset;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys change under a running sidecar: added, removed and swapped the Kubernetes way, with no restart. */
class KeyRotationEndToEndTest {

    static final byte[] OLD = "the-old-github-secret-0123456789ab".getBytes(StandardCharsets.US_ASCII);
    static final byte[] NEW = "the-new-github-secret-0123456789ab".getBytes(StandardCharsets.US_ASCII);

    @Test
    void addRemoveAndDataSwapTakeEffectWithoutRestart(@TempDir Path mount) throws Exception {
        // Kubernetes layout: ..<timestamp>/ holds the files, ..data points at it, keys link through ..data.
        Path v1 = Files.createDirectory(mount.resolve("..2026_11_23_v1"));
        Files.write(v1.resolve("gh-old"), OLD);
        Files.createSymbolicLink(mount.resolve("..data"), v1.getFileName());
        Files.createSymbolicLink(mount.resolve("gh-old"), Path.of("..data", "gh-old"));
        try (ProxyHarness proxy = new ProxyHarness(mount, Map.of(Field.GITHUB_KEYS, "gh-old,gh-new",
                Field.ROUTES, "name=gh,path=/hook,action=verify,schemes=github"), InstantSource.system(),
                Verifications::build)) {
            assertEquals(200, post(proxy, OLD));
            assertEquals(401, post(proxy, NEW));

            // Rotate as the kubelet does: a new timestamped dir, then an atomic rename of ..data.
            Path v2 = Files.createDirectory(mount.resolve("..2026_11_23_v2"));
            Files.write(v2.resolve("gh-old"), OLD);
            Files.write(v2.resolve("gh-new"), NEW);
            Files.createSymbolicLink(mount.resolve("gh-new"), Path.of("..data", "gh-new"));
            Files.createSymbolicLink(mount.resolve("..data_tmp"), v2.getFileName());
            Files.move(mount.resolve("..data_tmp"), mount.resolve("..data"),
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            awaitStatus(proxy, NEW, 200);
            assertEquals(200, post(proxy, OLD), "both keys are valid during the rotation");

            // Retire the old key: a third version without it.
            Path v3 = Files.createDirectory(mount.resolve("..2026_11_23_v3"));
            Files.write(v3.resolve("gh-new"), NEW);
            Files.createSymbolicLink(mount.resolve("..data_tmp"), v3.getFileName());
            Files.move(mount.resolve("..data_tmp"), mount.resolve("..data"),
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.delete(mount.resolve("gh-old"));
            awaitStatus(proxy, OLD, 401);
            assertEquals(200, post(proxy, NEW));
        }
    }

    private static void awaitStatus(ProxyHarness proxy, byte[] secret, int status) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        int last = -1;
        while (System.nanoTime() < deadline) {
            last = post(proxy, secret);
            if (last == status) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("expected " + status + " after the key change, still " + last);
    }

    private static int post(ProxyHarness proxy, byte[] secret) throws Exception {
        String body = "{\"push\":1}";
        Map<String, String> headers;
        try (MacKey k = Crypto.create(CryptoConfig.defaults()).macKey(Algorithm.HMAC_SHA256, secret)) {
            headers = GithubPreset.sign(k, Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8)));
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.ports.proxy() + "/hook"))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
