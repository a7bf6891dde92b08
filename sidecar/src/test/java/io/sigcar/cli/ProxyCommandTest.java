package io.sigcar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sigcar proxy} as a real process: config errors before listening, readiness, and SIGTERM drain. */
class ProxyCommandTest {

    /**
     * The plain {@code proxy} command line skips picocli at start: wherever it takes a line, it must
     * read it exactly as picocli does, and it must leave every other line to picocli.
     */
    @Test
    void thePlainParseReadsWhatPicocliReads() {
        List<String[]> taken = List.of(
                new String[] {"proxy"},
                new String[] {"proxy", "--keys", "/k", "--upstream", "127.0.0.1:8080"},
                new String[] {"proxy", "--keys=/k", "--listen=0.0.0.0:8443", "--audit", "false"},
                new String[] {"proxy", "--config", "/etc/sigcar.yaml", "--max-age", "30s"},
                new String[] {"proxy", "--routes", "name=a,path=/x,action=allow;name=b,path=/,action=verify"},
                new String[] {"proxy", "--keys", "a=b"});
        for (String[] args : taken) {
            var plain = ProxyCommand.Flags.plain(args);
            assertTrue(plain.isPresent(), String.join(" ", args));
            var parsed = Main.commandLine().parseArgs(args).subcommand();
            assertEquals(ProxyCommand.Flags.of(parsed), plain.get(), String.join(" ", args));
        }
        List<String[]> left = List.of(
                new String[] {},
                new String[] {"demo", "--keys", "/k"},
                new String[] {"proxy", "--help"},
                new String[] {"proxy", "-h"},
                new String[] {"proxy", "--version"},
                new String[] {"proxy", "--keys"},
                new String[] {"proxy", "--keys", "/a", "--keys", "/b"},
                new String[] {"proxy", "--keys", "--audit"},
                new String[] {"proxy", "--keys", ""},
                new String[] {"proxy", "--no-such-flag", "x"},
                new String[] {"proxy", "@args.txt"},
                new String[] {"proxy", "--keys", "@file"},
                new String[] {"proxy", "--config", "/a", "--config=/b"},
                new String[] {"proxy", "stray"});
        for (String[] args : left) {
            assertTrue(ProxyCommand.Flags.plain(args).isEmpty(), String.join(" ", args));
        }
    }

    @Test
    void configErrorsNameSourceAndFieldAndExitTwo(@TempDir Path dir) throws Exception {
        var r = SelftestCommandTest.run("proxy", "--keys", dir.resolve("missing").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("flag --keys: keys: '" + dir.resolve("missing") + "' is not a directory"), r.err());

        Path yaml = Files.writeString(dir.resolve("sigcar.yaml"), "keys: " + dir + "\nmax-age: soon\n");
        r = SelftestCommandTest.run("proxy", "--config", yaml.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains(yaml + ": max-age: 'soon' is not a duration"), r.err());

        r = SelftestCommandTest.run("proxy", "--keys", dir.toString(), "--upstream", "10.0.0.1:80");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("upstream: '10.0.0.1:80' is not a loopback address"), r.err());

        Files.write(dir.resolve("short"), new byte[10]);
        r = SelftestCommandTest.run("proxy", "--keys", dir.toString(), "--listen", "127.0.0.1:0", "--admin",
                "127.0.0.1:0");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains(dir.resolve("short").toString()), "names the bad key file: " + r.err());
    }

    @Test
    void sigtermDrainsInFlightRequestsAndExitsZero(@TempDir Path dir, @TempDir Path keyDir) throws Exception {
        Files.write(keyDir.resolve("k1"), new byte[32]);
        int port = freePort();
        int admin = freePort();
        try (SlowApp app = new SlowApp()) {
            Process p = new ProcessBuilder(javaCommand("proxy", "--keys", keyDir.toString(), "--listen",
                    "127.0.0.1:" + port, "--admin", "127.0.0.1:" + admin, "--upstream", "127.0.0.1:" + app.port(),
                    "--routes", "name=all,path=/,action=allow", "--drain-timeout", "10s", "--audit", "false"))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("out.log").toFile()).start();
            try {
                HttpClient client = HttpClient.newHttpClient();
                try {
                    waitReady(client, admin);
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "; its output: " + Files.readString(dir.resolve("out.log")));
                }
                List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    inFlight.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/slow")).build(), HttpResponse.BodyHandlers.ofString()));
                }
                app.awaitArrivals(4);
                p.destroy(); // SIGTERM
                for (var f : inFlight) {
                    HttpResponse<String> r = f.get(15, TimeUnit.SECONDS);
                    assertEquals(200, r.statusCode());
                    assertEquals("slow done", r.body());
                }
                assertTrue(p.waitFor(20, TimeUnit.SECONDS), "sidecar did not exit after SIGTERM");
                assertEquals(0, p.exitValue(), Files.readString(dir.resolve("out.log")));
            } finally {
                p.destroyForcibly();
            }
        }
    }

    /**
     * The image's heap (-Xmx64m) holds the default max-connections (4,096 at ~6 KiB each) with room
     * to spare; a limit the heap cannot hold is named in a warning at start, and the sidecar runs.
     */
    @Test
    void aMaxConnectionsTheHeapCannotHoldIsWarnedAbout(@TempDir Path dir, @TempDir Path keyDir) throws Exception {
        Files.write(keyDir.resolve("k1"), new byte[32]);
        HttpClient client = HttpClient.newHttpClient();
        for (String max : new String[] {"4096", "20000"}) {
            int admin = freePort();
            List<String> cmd = javaCommand("proxy", "--keys", keyDir.toString(), "--listen", "127.0.0.1:" + freePort(),
                    "--admin", "127.0.0.1:" + admin, "--upstream", "127.0.0.1:" + freePort(), "--routes",
                    "name=all,path=/,action=allow", "--audit", "false", "--max-connections", max);
            cmd.add(1, "-Xmx64m");
            Path log = dir.resolve("out-" + max + ".log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                waitReady(client, admin);
                String out = Files.readString(log);
                boolean warned = out.contains("max-connections " + max + " would hold ~117 MiB of heap");
                assertEquals(max.equals("20000"), warned, out);
                assertEquals(warned, out.contains("over half of the heap's"), out);
            } finally {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static void waitReady(HttpClient client, int admin) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                var r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/readyz")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("sidecar never became ready");
    }

    static List<String> javaCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.sigcar.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** An app whose every answer takes a second, counting arrivals. */
    static final class SlowApp implements AutoCloseable {
        private final com.sun.net.httpserver.HttpServer server;
        private final java.util.concurrent.Semaphore arrivals = new java.util.concurrent.Semaphore(0);

        SlowApp() throws IOException {
            server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/", ex -> {
                arrivals.release();
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                byte[] body = "slow done".getBytes();
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
                ex.close();
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        void awaitArrivals(int n) throws InterruptedException {
            assertTrue(arrivals.tryAcquire(n, 10, TimeUnit.SECONDS), "requests did not reach the app");
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
