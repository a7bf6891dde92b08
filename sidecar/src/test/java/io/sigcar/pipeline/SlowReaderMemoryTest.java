package io.sigcar.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many slow readers at once against a sidecar with little memory: {@code -Xmx64m} and 16 MiB of
 * direct memory, {@code send-timeout} far away (60 s), nginx as the app. Each reader asks for a
 * 4 MiB answer through a 2 KiB receive buffer and reads nothing, so every answer backs up.
 *
 * <p>Before, each answer held Netty's 64 KiB plus the 16 chunks Vert.x queues (heap copies of up
 * to 64 KiB each) before the relay paused the app: 1000 such readers filled a 128 MiB heap and
 * the sidecar died in GC. Now the relay pauses at Netty's 32 KiB, and when direct memory passes
 * half its limit the oldest stalled answers are cut ({@code send_timeout}), so the sidecar stays
 * up and keeps serving: a normal request and a 4 MiB download that is read succeed meanwhile.
 *
 * <p>The kernel's share is bounded as in {@link SlowClientTest} ({@code send-buffer} on the
 * sidecar, {@code sndbuf} on nginx): with loopback's autotuned buffers 300 held answers pin over
 * a gigabyte of kernel memory, near {@code tcp_mem}'s pressure threshold on a 24 GiB machine,
 * and what is measured here is the sidecar's own memory. The test fails, saying so, if the
 * kernel entered TCP memory pressure anyway.
 */
class SlowReaderMemoryTest {

    static final int READERS = 300;

    @TempDir
    Path dir;

    @Test
    void stalledAnswersAreCutUnderMemoryPressureAndEveryoneElseIsServed() throws Exception {
        Path keys = Files.createDirectory(dir.resolve("keys"));
        Files.write(keys.resolve("k"), "an-unused-key-of-32-bytes-000000".getBytes(StandardCharsets.US_ASCII));
        List<Socket> readers = new ArrayList<>();
        long pressuresBefore = MachineLoad.pressureEpisodes();
        try (NginxApp app = new NginxApp(dir.resolve("nginx"), 4096);
                SidecarProcess sidecar = new SidecarProcess(dir, List.of("-Xmx64m", "-XX:MaxDirectMemorySize=16m"),
                        "--keys", keys.toString(), "--upstream", "127.0.0.1:" + app.port(),
                        "--routes", "name=all,path=/,action=allow", "--send-timeout", "60s", "--send-buffer", "131072",
                        "--idle-timeout", "120s", "--upstream-timeout", "60s", "--max-connections", "2000",
                        "--audit", "false")) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI big = URI.create("http://127.0.0.1:" + sidecar.port + "/big/4096");
            long t0 = System.nanoTime();
            for (int i = 0; i < READERS; i++) {
                Socket s = new Socket();
                s.setReceiveBufferSize(2048);
                s.connect(new InetSocketAddress("127.0.0.1", sidecar.port), 5_000);
                s.getOutputStream()
                        .write("GET /big/4096 HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                readers.add(s);
            }
            Load.await("the sidecar to cut stalled answers for memory", 30_000,
                    () -> sidecar.metric("sigcar_rejections_total{reason=\"send_timeout\"}") > 0);
            double cut = sidecar.metric("sigcar_rejections_total{reason=\"send_timeout\"}");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 60_000, "cut by send-timeout, not for memory: " + ms + " ms");

            // Everyone else is served while the rest stall.
            var ok = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.port + "/ok"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode());
            var download = client.send(HttpRequest.newBuilder(big).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, download.statusCode());
            assertEquals(4096 * 1024, download.body().length, "a client that reads gets the whole answer");

            double stillOpen = sidecar.metric("sigcar_connections_active");
            cut = sidecar.metric("sigcar_rejections_total{reason=\"send_timeout\"}");
            double reserved = sidecar.metric("sigcar_buffers_direct_bytes");
            System.out.printf("slow readers x%d (-Xmx64m, 16 MiB direct): %.0f cut for memory by now, the first"
                    + " after %d ms; %.0f connections still open; direct memory %.1f MiB%n", READERS, cut, ms,
                    stillOpen, reserved / (1 << 20));
            long pressures = MachineLoad.pressureEpisodes() - pressuresBefore;
            System.out.printf("slow readers x%d: kernel TCP memory now %d MiB (pressure starts at %d MiB), pressure"
                    + " episodes %d%n", READERS, MachineLoad.usedBytes() >> 20, MachineLoad.pressureBytes() >> 20,
                    pressures);
            assertEquals(0, pressures, "the kernel ran short of TCP memory: every socket on the machine stalled,"
                    + " so this measured the machine, not the sidecar");
            String log = sidecar.output();
            assertFalse(log.contains("OutOfMemoryError"), "heap or direct memory ran out:\n" + tail(log));
            assertFalse(log.contains("failed to allocate"), "a buffer allocation failed:\n" + tail(log));
            assertTrue(sidecar.process.isAlive(), "the sidecar survived");
            assertTrue(stillOpen < READERS, "some stalled readers were cut");
        } finally {
            for (Socket s : readers) {
                s.close();
            }
        }
    }

    private static String tail(String log) {
        return log.substring(Math.max(0, log.length() - 3000));
    }
}
