package io.sigcar.dashboard;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code sigcar} command as its own JVM on the test classpath, as it runs in a pod (a small heap,
 * so the GC panels see real collections), ready once its admin {@code /readyz} answers 200.
 */
final class SigcarProcess implements AutoCloseable {

    private final String command;
    private final int admin;
    private final Process process;
    private final Path log;

    SigcarProcess(Path log, int admin, Duration readyWithin, List<String> args)
            throws IOException, InterruptedException {
        this.command = "sigcar " + args.getFirst();
        this.admin = admin;
        this.log = log;
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.sigcar.cli.Main"));
        cmd.addAll(args);
        this.process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            awaitReady(readyWithin);
        } catch (AssertionError e) {
            close();
            throw e;
        }
    }

    private void awaitReady(Duration timeout) throws InterruptedException, IOException {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(command + " exited (" + process.exitValue() + "): " + Files.readString(log));
            }
            try {
                var r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/readyz"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError(command + " not ready after " + timeout + ": " + Files.readString(log));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
