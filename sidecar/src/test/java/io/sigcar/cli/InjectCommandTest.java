package io.sigcar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sigcar inject}: help, start-up errors that name file and field, and a real process on loopback. */
class InjectCommandTest {

    private static final Path INJECTOR_YAML = Path.of("src", "test", "resources", "testdata", "inject",
            "injector.yaml");

    @Test
    void helpDescribesTheWebhook() {
        var r = SelftestCommandTest.run("inject", "--help");
        assertEquals(0, r.exit(), r.err());
        for (String s : new String[] {"mutating admission webhook", "POST /inject", "opt-in=namespace", "--tls-cert",
            "--tls-key", "--config", "--namespace", "SIGCAR_INJECTOR_NAMESPACE", "/metrics /healthz /readyz"}) {
            assertTrue(r.out().contains(s), "help lacks " + s + ":\n" + r.out());
        }
        assertTrue(SelftestCommandTest.run("--help").out().contains("inject"));
    }

    @Test
    void startUpErrorsNameTheFileAndExitTwo(@TempDir Path dir) throws Exception {
        Path bad = Files.writeString(dir.resolve("injector.yaml"), "sidecar:\n  listenPort: 70000\n");
        var r = SelftestCommandTest.run("inject", "--config", bad.toString(), "--tls-cert", "c", "--tls-key", "k",
                "--namespace", "sigcar");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains(bad + ": sidecar.listenPort: '70000' is not a port number"), r.err());

        r = SelftestCommandTest.run("inject", "--config", INJECTOR_YAML.toString(), "--tls-cert",
                dir.resolve("tls.crt").toString(), "--tls-key", dir.resolve("tls.key").toString(), "--namespace",
                "sigcar", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains(dir.resolve("tls.crt") + ": cannot read the file"), r.err());

        r = SelftestCommandTest.run("inject", "--config", INJECTOR_YAML.toString(), "--tls-cert", "c", "--tls-key",
                "k", "--namespace", "sigcar", "--listen", "nowhere");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("flag --listen: listen: 'nowhere' is not host:port"), r.err());
    }

    @Test
    void runsAsAProcessAndStopsOnSigterm(@TempDir Path dir) throws Exception {
        io.sigcar.inject.TestPkiAccess.writePair(dir);
        int port = ProxyCommandTest.freePort();
        int admin = ProxyCommandTest.freePort();
        ProcessBuilder pb = new ProcessBuilder(ProxyCommandTest.javaCommand("inject", "--config", INJECTOR_YAML.toString(),
                "--tls-cert", dir.resolve("tls.crt").toString(), "--tls-key", dir.resolve("tls.key").toString(),
                "--listen", "127.0.0.1:" + port, "--admin", "127.0.0.1:" + admin))
                .redirectErrorStream(true).redirectOutput(dir.resolve("out.log").toFile());
        // --namespace comes from the environment variable the chart sets.
        pb.environment().put("SIGCAR_INJECTOR_NAMESPACE", "sigcar-test");
        Process p = pb.start();
        try {
            HttpClient client = HttpClient.newHttpClient();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int status = 0;
            while (status != 200 && System.nanoTime() < deadline && p.isAlive()) {
                try {
                    status = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/readyz"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding())
                            .statusCode();
                } catch (java.io.IOException e) {
                    Thread.sleep(100);
                }
            }
            assertEquals(200, status, Files.readString(dir.resolve("out.log")));
            String log = Files.readString(dir.resolve("out.log"));
            assertTrue(log.contains("own namespace sigcar-test"), log);
            p.destroy();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "stops on SIGTERM");
            assertEquals(0, p.exitValue());
        } finally {
            p.destroyForcibly();
        }
    }
}
