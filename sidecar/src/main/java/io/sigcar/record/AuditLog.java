package io.sigcar.record;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One JSON line per request, written by a dedicated thread so the event loop never blocks
 * on stdout. If the writer falls behind, lines are dropped and counted, never queued
 * without bound. Never holds a key, a signature or a body.
 */
public final class AuditLog implements AutoCloseable {

    /** The facts of one request, all bounded or escaped. */
    public record Entry(Instant time, String route, String method, String path, String keyId, Outcome outcome,
            String reason, int status, long latencyMicros) {}

    private static final int MAX_PATH = 256;

    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(16_384);
    private final PrintStream out;
    private final Metrics metrics;
    private final Thread writer;
    private volatile boolean running = true;

    public AuditLog(OutputStream out, Metrics metrics) {
        this.out = new PrintStream(out, false, StandardCharsets.UTF_8);
        this.metrics = metrics;
        this.writer = Thread.ofPlatform().daemon().name("sigcar-audit").start(this::drain);
    }

    public void write(Entry e) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"time\":\"").append(e.time()).append('"');
        field(sb, "route", e.route());
        field(sb, "method", e.method());
        field(sb, "path", e.path() == null ? null : truncate(e.path()));
        field(sb, "keyid", e.keyId());
        field(sb, "outcome", e.outcome().label());
        field(sb, "reason", e.reason());
        sb.append(",\"status\":").append(e.status());
        sb.append(",\"latency_us\":").append(e.latencyMicros()).append('}');
        if (!queue.offer(sb.toString())) {
            metrics.auditDropped();
        }
    }

    private void drain() {
        try {
            while (running || !queue.isEmpty()) {
                String line = queue.poll(100, TimeUnit.MILLISECONDS);
                if (line != null) {
                    out.println(line);
                    if (queue.isEmpty()) {
                        out.flush();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            out.flush();
        }
    }

    private static String truncate(String path) {
        return path.length() <= MAX_PATH ? path : path.substring(0, MAX_PATH) + "...";
    }

    private static void field(StringBuilder sb, String name, String value) {
        sb.append(",\"").append(name).append("\":");
        if (value == null) {
            sb.append("null");
            return;
        }
        sb.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** Writes what is queued, then stops the writer. */
    @Override
    public void close() {
        running = false;
        try {
            writer.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
