package io.sigcar.pipeline;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * nginx (Debian's, installed by .ci/setup) as the app, in its own process, for the load tests
 * where an app inside the test JVM would compete with the sidecar for the same event loops and
 * cores. One worker; static answers served with sendfile. {@code /big/N} is N KiB (for each N
 * given), {@code /hook} and anything else answer {@code ok}.
 *
 * <p>Its sockets' send buffer is fixed at 256 KiB ({@code listen ... sndbuf}). An answer the
 * sidecar holds back for a slow reader waits in nginx's send buffer, which on loopback otherwise
 * autotunes towards 4 MiB: hundreds of held answers then pin enough kernel memory to push the
 * whole machine into TCP memory pressure (see {@link MachineLoad}).
 */
final class NginxApp implements AutoCloseable {

    static final Path NGINX = Path.of("/usr/sbin/nginx");

    private final Process process;
    private final int port;
    private final Path dir;

    NginxApp(Path dir, int... bigKb) throws Exception {
        this.dir = Files.createDirectories(dir);
        Path big = Files.createDirectories(dir.resolve("www/big"));
        for (int kb : bigKb) {
            Files.write(big.resolve(String.valueOf(kb)), new byte[kb * 1024]);
        }
        Files.createDirectories(dir.resolve("tmp"));
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        String d = dir.toAbsolutePath().toString();
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, """
                daemon off;
                %3$s
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 16384; }
                http {
                    access_log off;
                    client_body_temp_path %1$s/tmp;
                    keepalive_requests 100000;
                    server {
                        listen 127.0.0.1:%2$d backlog=4096 sndbuf=256k;
                        root %1$s/www;
                        location /big/ { default_type application/octet-stream; }
                        location / { default_type text/plain; return 200 "ok"; }
                    }
                }
                """.formatted(d, port,
                // Run as root, the workers would drop to nobody, who cannot read a private temp dir.
                "root".equals(System.getProperty("user.name")) ? "user root;" : ""));
        process = new ProcessBuilder(NGINX.toString(), "-e", d + "/error.log", "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Load.accepts(port)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                close();
                throw new IllegalStateException("nginx did not start: " + Files.readString(dir.resolve("nginx.out"))
                        + Files.readString(dir.resolve("error.log")));
            }
            Thread.sleep(50);
        }
    }

    int port() {
        return port;
    }

    /** What nginx logged at warn and above (worker_connections exhausted, for one). */
    String errors() throws IOException {
        Path log = dir.resolve("error.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() throws Exception {
        process.destroy(); // SIGTERM: nginx's fast shutdown
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
