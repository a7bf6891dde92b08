package io.sigcar.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import io.sigcar.crypto.MacKey;
import io.sigcar.verify.rfc9421.Rfc9421Signer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;

/**
 * The real image in a real container: built from the Dockerfile, run non-root on a read-only root
 * file system with the keys mounted read-only, in front of an app on loopback (host network).
 */
@Timeout(value = 25, unit = TimeUnit.MINUTES)
class ImageContainerTest {

    static final Crypto CRYPTO = Crypto.create(CryptoConfig.defaults());
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    static final byte[] SECRET = "an-hmac-client-key-of-at-least-32-bytes".getBytes(StandardCharsets.US_ASCII);
    static final String KEY_ID = "client-a";
    static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    static Vertx vertx;
    static HttpServer app;
    static final Queue<Map<String, String>> seenByApp = new ConcurrentLinkedQueue<>();
    static Path keys;

    @BeforeAll
    static void buildImageAndStartApp() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean(SigcarImage.SKIP_PROPERTY),
                "-D" + SigcarImage.SKIP_PROPERTY + "=true: container test left out on request");
        SigcarImage.build();
        vertx = Vertx.vertx();
        app = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            Map<String, String> head = new java.util.TreeMap<>();
            req.headers().forEach(e -> head.put(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue()));
            head.put(":path", req.uri());
            seenByApp.add(head);
            req.response().end(Buffer.buffer("app:").appendBuffer(body));
        })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        // The container runs as 65532: the key must be readable by others (a Secret volume's 0644).
        keys = Files.createTempDirectory("sigcar-image-keys",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Path key = Files.write(keys.resolve(KEY_ID), SECRET);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    }

    @AfterAll
    static void stopApp() throws Exception {
        if (vertx != null) {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
        if (keys != null) {
            try (var files = Files.list(keys)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(keys);
        }
    }

    /** Ports for one sidecar container; host network, so they must be free on this machine. */
    record Ports(int proxy, int admin) {
        static Ports free() throws IOException {
            try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0)) {
                return new Ports(a.getLocalPort(), b.getLocalPort());
            }
        }
    }

    static GenericContainer<?> sidecar(Ports ports, String aot) {
        return new GenericContainer<>(SigcarImage.NAME)
                .withNetworkMode("host")
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withReadonlyRootfs(true))
                .withFileSystemBind(keys.toString(), "/etc/sigcar/keys", BindMode.READ_ONLY)
                .withEnv("SIGCAR_LISTEN", "127.0.0.1:" + ports.proxy())
                .withEnv("SIGCAR_ADMIN", "127.0.0.1:" + ports.admin())
                .withEnv("SIGCAR_UPSTREAM", "127.0.0.1:" + app.actualPort())
                .withEnv("SIGCAR_KEYS", "/etc/sigcar/keys")
                .withEnv("SIGCAR_AOT", aot)
                .withCommand("proxy");
    }

    static HttpResponse<String> signedPost(Ports ports, String body) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + ports.proxy() + "/api/orders?id=7");
        Map<String, String> headers;
        try (MacKey key = CRYPTO.macKey(Algorithm.HMAC_SHA256, SECRET)) {
            headers = new Rfc9421Signer(CRYPTO).sign(new Rfc9421Signer.Request("POST", uri, Map.of(),
                    body.getBytes(StandardCharsets.UTF_8)), new Rfc9421Signer.Spec("sig1",
                    List.of("@method", "@authority", "@path", "@query"), KEY_ID, Instant.now().getEpochSecond(),
                    null, null, true), key).headers();
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(int port, String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Polls with signed requests until one is proxied with 200; returns when that happened. */
    static long firstProxied200(Ports ports, GenericContainer<?> c) throws Exception {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (signedPost(ports, "ping").statusCode() == 200) {
                    return System.nanoTime();
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (!c.isRunning()) {
                throw new AssertionError("sidecar container exited:\n" + c.getLogs());
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no proxied 200 within " + READY_TIMEOUT + ":\n" + c.getLogs());
    }

    static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }

    @Test
    void proxiesSignedRequestsRefusesUnsignedAndServesMetricsAsNonRootOnReadOnlyRoot() throws Exception {
        Ports ports = Ports.free();
        try (GenericContainer<?> c = sidecar(ports, "on")) {
            c.start();
            firstProxied200(ports, c);

            InspectContainerResponse info = docker().inspectContainerCmd(c.getContainerId()).exec();
            assertEquals("65532:65532", info.getConfig().getUser(), "the image runs non-root by default");
            assertTrue(info.getHostConfig().getReadonlyRootfs(), "started with a read-only root file system");
            assertEquals("65532", c.execInContainer("id", "-u").getStdout().strip());
            var write = c.execInContainer("touch", "/opt/sigcar/x");
            assertNotEquals(0, write.getExitCode(), "the root file system must not be writable");

            seenByApp.clear();
            var ok = signedPost(ports, "{\"qty\":3}");
            assertEquals(200, ok.statusCode(), ok.body());
            assertEquals("app:{\"qty\":3}", ok.body());
            Map<String, String> seen = seenByApp.poll();
            assertEquals(KEY_ID, seen.get("sigcar-key-id"), "the app learns the verified keyid");
            assertEquals("/api/orders?id=7", seen.get(":path"));

            var unsigned = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.proxy() + "/api/orders"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, unsigned.statusCode());
            assertTrue(unsigned.headers().firstValue("content-type").orElse("").startsWith("application/problem+json"));
            assertTrue(unsigned.body().contains("\"reason\":\"missing_signature\""), unsigned.body());
            assertTrue(seenByApp.isEmpty(), "an unsigned request never reaches the app");

            var metrics = get(ports.admin(), "/metrics");
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.headers().firstValue("content-type").orElse("").startsWith("text/plain"),
                    metrics.headers().toString());
            assertTrue(metrics.body().contains("# TYPE sigcar_rejections_total counter"), metrics.body());
            assertTrue(metrics.body().contains("reason=\"missing_signature\""), metrics.body());
            assertEquals(200, get(ports.admin(), "/healthz").statusCode());
            assertEquals(200, get(ports.admin(), "/readyz").statusCode());

            // Docker's HEALTHCHECK (bash /dev/tcp against /readyz on the admin port from SIGCAR_ADMIN).
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String health = "";
            while (System.nanoTime() < deadline) {
                health = docker().inspectContainerCmd(c.getContainerId()).exec().getState().getHealth().getStatus();
                if (!"starting".equals(health)) {
                    break;
                }
                Thread.sleep(200);
            }
            assertEquals("healthy", health);

            // docker stop sends SIGTERM to PID 1: the launcher exec'd java, which drains and exits 0.
            docker().stopContainerCmd(c.getContainerId()).withTimeout(30).exec();
            Long exit = docker().inspectContainerCmd(c.getContainerId()).exec().getState().getExitCodeLong();
            assertEquals(0L, exit, c.getLogs());
        }
    }

    @Test
    void selftestInTheContainerUsesTheNativeLibraryAndTheAotCacheMatchesTheJvm() {
        // AOTMode=on makes the JVM refuse to start if the cache does not fit this JVM and jar.
        try (GenericContainer<?> c = new GenericContainer<>(SigcarImage.NAME)
                .withNetworkMode("none")
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withReadonlyRootfs(true))
                .withEnv("JAVA_OPTS", "-XX:AOTMode=on")
                .withCommand("selftest")
                .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(Duration.ofSeconds(90)))) {
            c.start();
            String out = c.getLogs();
            assertTrue(out.contains("native library : loaded"), out);
            assertTrue(out.contains("native library : loaded  ") && out.contains("/opt/sigcar/libsigcar.so"),
                    "the .so on disk in the image, not a copy extracted from the jar:\n" + out);
            assertTrue(out.contains("fallback       : none"), out);
            assertTrue(out.contains("blake3-keyed  -> native"), out);
            assertTrue(out.contains("result         : PASS"), out);
        }
    }

    /** Start-up to the first proxied 200, with and without the AOT cache; printed for the record. */
    @Test
    void startupWithAndWithoutTheAotCache() throws Exception {
        Map<String, List<Long>> millis = new java.util.LinkedHashMap<>();
        for (int round = 0; round < 3; round++) {
            for (String aot : List.of("on", "off")) {
                Ports ports = Ports.free();
                try (GenericContainer<?> c = sidecar(ports, aot)) {
                    long start = System.nanoTime();
                    c.start();
                    long ready = firstProxied200(ports, c);
                    millis.computeIfAbsent(aot, k -> new ArrayList<>()).add(TimeUnit.NANOSECONDS.toMillis(ready - start));
                }
            }
        }
        millis.forEach((aot, ms) -> System.out.printf("[image] AOT cache %-3s: start -> first proxied 200: %s ms (median %d)%n",
                aot, ms, ms.stream().sorted().toList().get(ms.size() / 2)));
        assertEquals(3, millis.get("on").size());
    }
}
