package io.sigcar.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

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
        // Host networking: this engine runs with --bridge=none, and the build's apt and Maven steps need the net.
        ImageFromDockerfile image = new ImageFromDockerfile(NAME, false)
                .withDockerfile(root.resolve("Dockerfile"))
                .withBuildImageCmdModifier(cmd -> cmd.withNetworkMode("host"));
        String id = image.get(BUILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        buildTime = Duration.ofNanos(System.nanoTime() - start);
        System.out.printf("[image] built %s in %.1f s%n", NAME, buildTime.toMillis() / 1000.0);
        built = id;
        return id;
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
