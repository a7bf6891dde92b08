package io.sigcar.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keys rotate the Kubernetes way (new timestamped dir, atomic {@code ..data} swap) while
 * signed requests keep coming: a key present throughout never fails, an added key works from
 * its first success on, a removed key stops for good, and no answer is anything but 200 or 401.
 */
class RotationUnderLoadTest {

    static final String BODY = "{\"push\":1}";
    static final Map<String, byte[]> SECRETS = Map.of(
            "gh-a", secret('a'), "gh-b", secret('b'), "gh-c", secret('c'));

    record Shot(String key, long sent, long answered, int status) {}

    @Test
    void signedLoadSeesNoFailureForKeysThatStayValid(@TempDir Path mount) throws Exception {
        Map<String, Map<String, String>> signed = new HashMap<>();
        Crypto crypto = Crypto.create(CryptoConfig.defaults());
        for (var e : SECRETS.entrySet()) {
            try (MacKey k = crypto.macKey(Algorithm.HMAC_SHA256, e.getValue())) {
                signed.put(e.getKey(), GithubPreset.sign(k, Unpooled.wrappedBuffer(BODY.getBytes(StandardCharsets.UTF_8))));
            }
        }
        swap(mount, 1, "gh-a", "gh-c");
        try (ProxyHarness proxy = new ProxyHarness(mount, Map.of(Field.GITHUB_KEYS, "gh-a,gh-b,gh-c",
                Field.ROUTES, "name=gh,path=/hook,action=verify,schemes=github", Field.AUDIT, "false"),
                InstantSource.system(), Verifications::build)) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            ConcurrentLinkedQueue<Shot> shots = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
            for (int t = 0; t < 6; t++) {
                String key = List.of("gh-a", "gh-b", "gh-c").get(t % 3);
                pool.submit(() -> {
                    while (running.get()) {
                        long sent = System.nanoTime();
                        try {
                            int status = post(client, proxy, signed.get(key));
                            shots.add(new Shot(key, sent, System.nanoTime(), status));
                        } catch (Exception e) {
                            errors.add(e);
                        }
                    }
                    return null;
                });
            }
            moreOnSteadyKey(shots, 20); // a baseline of traffic on the first key set
            long added = System.nanoTime();
            swap(mount, 2, "gh-a", "gh-b", "gh-c"); // add gh-b
            Load.await("gh-b to verify", 10_000, () -> shots.stream().anyMatch(s -> s.key.equals("gh-b")
                    && s.status == 200));
            moreOnSteadyKey(shots, 20);
            long removal = System.nanoTime();
            swap(mount, 3, "gh-a", "gh-b"); // retire gh-c
            Files.deleteIfExists(mount.resolve("gh-c"));
            Load.await("gh-c to be refused", 10_000, () -> shots.stream().anyMatch(s -> s.key.equals("gh-c")
                    && s.status == 401));
            swap(mount, 4, "gh-a", "gh-b"); // same content again: a swap alone must not disturb anything
            moreOnSteadyKey(shots, 20);
            running.set(false);
            pool.shutdown();
            assertTrue(pool.awaitTermination(20, TimeUnit.SECONDS));

            assertTrue(errors.isEmpty(), "transport errors: " + errors);
            List<Shot> all = new ArrayList<>(shots);
            List<Shot> a = all.stream().filter(s -> s.key.equals("gh-a")).toList();
            assertTrue(a.size() >= 60, "enough load on the steady key: " + a.size());
            assertEquals(0, a.stream().filter(s -> s.status != 200).count(), "the key present throughout failed");
            all.forEach(s -> assertTrue(s.status == 200 || s.status == 401, "unexpected " + s));

            long bFirstOk = all.stream().filter(s -> s.key.equals("gh-b") && s.status == 200)
                    .mapToLong(Shot::answered).min().orElseThrow();
            assertEquals(0, all.stream().filter(s -> s.key.equals("gh-b") && s.sent > bFirstOk && s.status != 200)
                    .count(), "an added key failed after it first verified");
            assertEquals(0, all.stream().filter(s -> s.key.equals("gh-c") && s.answered < removal && s.status != 200)
                    .count(), "the retiring key failed before it was removed");
            long cFirstRefused = all.stream().filter(s -> s.key.equals("gh-c") && s.status == 401)
                    .mapToLong(Shot::answered).min().orElseThrow();
            assertEquals(0, all.stream().filter(s -> s.key.equals("gh-c") && s.sent > cFirstRefused && s.status == 200)
                    .count(), "a removed key came back");
            System.out.printf("rotation under load: %d requests (%d on the steady key, 0 failed); gh-b live %d ms"
                    + " after its swap, gh-c refused %d ms after its removal%n", all.size(), a.size(),
                    (bFirstOk - added) / 1_000_000, (cFirstRefused - removal) / 1_000_000);
        }
    }

    /** Lets the load run until the steady key has been used {@code n} more times (time alone is unreliable here). */
    private static void moreOnSteadyKey(ConcurrentLinkedQueue<Shot> shots, int n) throws Exception {
        long target = shots.stream().filter(s -> s.key.equals("gh-a")).count() + n;
        Load.await(n + " more signed requests", 30_000,
                () -> shots.stream().filter(s -> s.key.equals("gh-a")).count() >= target);
    }

    /** Kubernetes' update: write a new ..vN dir, point ..data at it atomically, link new keyids through ..data. */
    private static void swap(Path mount, int version, String... keyIds) throws Exception {
        Path dir = Files.createDirectory(mount.resolve("..2026_11_23_v" + version));
        for (String id : keyIds) {
            Files.write(dir.resolve(id), SECRETS.get(id));
            Path link = mount.resolve(id);
            if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, Path.of("..data", id));
            }
        }
        Files.createSymbolicLink(mount.resolve("..data_tmp"), dir.getFileName());
        Files.move(mount.resolve("..data_tmp"), mount.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    private static int post(HttpClient client, ProxyHarness proxy, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.ports.proxy() + "/hook"))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(BODY));
        headers.forEach(b::header);
        return client.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static byte[] secret(char c) {
        return ("the-github-secret-" + c + "-0123456789abcdef").getBytes(StandardCharsets.US_ASCII);
    }
}
