package io.sigcar.image;

import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.model.BuildResponseItem;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.testcontainers.DockerClientFactory;

/** Builds the repository's Dockerfile into the image the chart names, on the local engine, once per JVM. */
final class SigcarImage {

    /** The shared contract: chart appVersion 0.1.0. */
    static final String NAME = "ghcr.io/sigcar/sigcar:0.1.0";
    /** Set to true to leave the container test out of a local run (CI never sets it). */
    static final String SKIP_PROPERTY = "sigcar.skip.container";

    private static final Duration BASE_IMAGES_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(15);

    private static String built;
    static Duration buildTime;

    private SigcarImage() {}

    static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("Dockerfile"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no Dockerfile above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    /** The image id, after making the base images (if absent) and building the Dockerfile. */
    static synchronized String build() throws Exception {
        if (built != null) {
            return built;
        }
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            throw new AssertionError("Docker is not reachable, so the image cannot be built and tested. "
                    + "Run .ci/setup (as root) to install docker.io and start dockerd, "
                    + "or pass -D" + SKIP_PROPERTY + "=true to leave this test out locally.");
        }
        Path root = repoRoot();
        makeBaseImages(root);
        long start = System.nanoTime();
        Path log = root.resolve("sidecar/target/image-build.log");
        Files.createDirectories(log.getParent());
        String id;
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
            // Host networking: this engine runs with --bridge=none, and the apt and Maven steps need the net.
            // No pull: the base images are local (made above, or pulled by whoever has a registry).
            BuildImageResultCallback callback = new BuildImageResultCallback() {
                @Override
                public void onNext(BuildResponseItem item) {
                    if (item.getStream() != null) {
                        out.print(item.getStream());
                        out.flush();
                    }
                    if (item.isErrorIndicated()) {
                        out.println(item.getErrorDetail() == null ? item.getError() : item.getErrorDetail().getMessage());
                    }
                    super.onNext(item);
                }
            };
            DockerClientFactory.instance().client().buildImageCmd(root.resolve("Dockerfile").toFile())
                    .withNetworkMode("host").withPull(false).withTags(Set.of(NAME)).exec(callback);
            try {
                id = callback.awaitImageId(BUILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (RuntimeException e) {
                throw new AssertionError("docker build of " + root.resolve("Dockerfile") + " failed: " + e.getMessage()
                        + "\n--- last lines of " + log + " ---\n" + tail(log, 40), e);
            }
        }
        buildTime = Duration.ofNanos(System.nanoTime() - start);
        System.out.printf("[image] built %s in %.1f s (log: %s)%n", NAME, buildTime.toMillis() / 1000.0, log);
        built = id;
        return id;
    }

    private static String tail(Path file, int lines) throws IOException {
        var all = Files.readAllLines(file, StandardCharsets.UTF_8);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Stand-ins for eclipse-temurin:25-jdk/-jre when the engine has none (no registry here). */
    private static void makeBaseImages(Path root) throws IOException, InterruptedException {
        Path script = root.resolve("sidecar/src/test/docker/base-images.sh");
        Path log = Files.createTempFile("sigcar-base-images", ".log");
        try {
            Process p = new ProcessBuilder("bash", script.toString(), System.getProperty("java.home"))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(BASE_IMAGES_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroy);
                p.destroy();
                throw new AssertionError(script + " did not finish within " + BASE_IMAGES_TIMEOUT + ":\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError(script + " failed (exit " + p.exitValue() + "):\n" + out);
            }
            if (!out.isBlank()) {
                System.out.print(out);
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
