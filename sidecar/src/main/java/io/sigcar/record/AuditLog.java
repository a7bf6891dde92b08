package io.sigcar.record;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One JSON line per request, written in batches by a dedicated thread so the event loop never
 * blocks on stdout. A request only formats its line and offers it to a bounded queue: it never
 * wakes the writer, which drains the queue every {@link #PERIOD_MILLIS} ms and writes what it
 * took in writes of up to 64 KiB. If the writer falls behind, lines are dropped and counted,
 * never queued without bound. Never holds a key, a signature or a body.
 */
public final class AuditLog implements AutoCloseable {

    /** The facts of one request, all bounded or escaped. */
    public record Entry(Instant time, String route, String method, String path, String keyId, Outcome outcome,
            String reason, int status, long latencyMicros) {}

    private static final int MAX_PATH = 256;
    /** How long a line may wait before it is written; also the writer's only wake-up when idle. */
    static final long PERIOD_MILLIS = 20;
    /** Lines held at most: about 0.4 s at 40k requests a second. */
    static final int CAPACITY = 16_384;
    /** Lines taken per write: bounds the writer's own buffer. */
    private static final int BATCH = 1_024;

    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final OutputStream out;
    /** The writer's bytes not yet written: a batch goes out in writes of up to this size. */
    private final byte[] pending = new byte[64 * 1024];
    private int filled;
    private final Metrics metrics;
    private final Thread writer;
    private volatile boolean running = true;
    /** The last second formatted: every line of that second reuses it (formatting cost 2.5 % of a request). */
    private volatile Second second = new Second(Long.MIN_VALUE, "");

    private record Second(long epoch, String text) {}

    public AuditLog(OutputStream out, Metrics metrics) {
        this.out = out;
        this.metrics = metrics;
        this.writer = Thread.ofPlatform().daemon().name("sigcar-audit").start(this::drain);
    }

    public void write(Entry e) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"time\":\"");
        time(sb, e.time());
        sb.append('"');
        field(sb, "route", e.route());
        field(sb, "method", e.method());
        field(sb, "path", e.path() == null ? null : truncate(e.path()));
        field(sb, "keyid", e.keyId());
        field(sb, "outcome", e.outcome().label());
        field(sb, "reason", e.reason());
        sb.append(",\"status\":").append(e.status());
        sb.append(",\"latency_us\":").append(e.latencyMicros()).append("}\n");
        // offer() signals only a thread blocked in take() or poll(timeout); the writer never is.
        if (!queue.offer(sb.toString())) {
            metrics.auditDropped();
        }
    }

    private void drain() {
        var batch = new java.util.ArrayList<String>(BATCH);
        try {
            while (true) {
                boolean last = !running; // read before draining: close() waits for what was queued before it
                while (queue.drainTo(batch, BATCH) > 0) {
                    for (String line : batch) {
                        put(line.getBytes(StandardCharsets.UTF_8));
                    }
                    batch.clear();
                    writeOut();
                }
                if (last) {
                    return;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PERIOD_MILLIS));
            }
        } finally {
            writeOut();
        }
    }

    /** Adds a line to the writer's buffer, writing the buffer out first when the line would not fit. */
    private void put(byte[] line) {
        if (filled + line.length > pending.length) {
            writeOut();
        }
        if (line.length > pending.length) {
            write(line, line.length); // longer than the buffer (a path is cut at 256 chars, so never in practice)
            return;
        }
        System.arraycopy(line, 0, pending, filled, line.length);
        filled += line.length;
    }

    private void writeOut() {
        if (filled > 0) {
            try {
                write(pending, filled);
            } finally {
                filled = 0; // written or lost, never written twice
            }
        }
    }

    private void write(byte[] bytes, int length) {
        try {
            out.write(bytes, 0, length);
            out.flush();
        } catch (java.io.IOException e) {
            // stdout is gone (the runtime closed the pipe): nothing to tell, and the proxy goes on.
        }
    }

    /** Appends {@code t} exactly as {@link Instant#toString()} writes it (ISO-8601, UTC, 0, 3, 6 or 9 fraction digits). */
    void time(StringBuilder sb, Instant t) {
        Second s = second;
        if (s.epoch() != t.getEpochSecond()) {
            String whole = Instant.ofEpochSecond(t.getEpochSecond()).toString(); // "...T18:50:12Z"
            s = new Second(t.getEpochSecond(), whole.substring(0, whole.length() - 1));
            second = s; // a race only formats the same second twice
        }
        sb.append(s.text());
        int nano = t.getNano();
        if (nano != 0) {
            int digits = nano % 1_000_000 == 0 ? 3 : nano % 1_000 == 0 ? 6 : 9;
            int value = digits == 3 ? nano / 1_000_000 : digits == 6 ? nano / 1_000 : nano;
            sb.append('.');
            for (int scale = digits == 3 ? 100 : digits == 6 ? 100_000 : 100_000_000; scale > 0; scale /= 10) {
                sb.append((char) ('0' + value / scale % 10));
            }
        }
        sb.append('Z');
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
        int plain = 0;
        while (plain < value.length() && plain(value.charAt(plain))) {
            plain++;
        }
        if (plain == value.length()) {
            sb.append(value).append('"'); // nothing to escape, the usual case: one bulk copy
            return;
        }
        sb.append(value, 0, plain);
        for (int i = plain; i < value.length(); i++) {
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

    /** A char that stands for itself inside a JSON string. */
    private static boolean plain(char c) {
        return c >= 0x20 && c != 0x7f && c != '"' && c != '\\';
    }

    /** Writes what is queued, then stops the writer. */
    @Override
    public void close() {
        running = false;
        java.util.concurrent.locks.LockSupport.unpark(writer);
        try {
            writer.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
