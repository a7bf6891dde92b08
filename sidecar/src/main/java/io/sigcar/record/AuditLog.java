package io.sigcar.record;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * One JSON line per request, written in batches by a dedicated thread so the event loop never
 * blocks on stdout. A request formats its line and appends it to its own thread's pending bytes:
 * no lock another thread holds for long, no allocation, and no wake-up of the writer. The
 * writer takes each thread's pending bytes every {@link #PERIOD_MILLIS} ms (a swap of two
 * arrays under that thread's own lock) and writes each in one write. If the writer falls
 * behind, lines are dropped and counted, never held without bound. Never holds a key, a
 * signature or a body.
 */
public final class AuditLog implements AutoCloseable {

    /** The facts of one request, all bounded or escaped. */
    public record Entry(Instant time, String route, String method, String path, String keyId, Outcome outcome,
            String reason, int status, long latencyMicros) {}

    private static final int MAX_PATH = 256;
    /** How long a line may wait before it is written; also the writer's only wake-up when idle. */
    static final long PERIOD_MILLIS = 20;
    /** Lines one thread holds at most before the writer takes them: about 0.4 s at 40k requests a second. */
    static final int CAPACITY = 16_384;
    /** The line's constant parts, in order. */
    private static final byte[] TIME = ascii("{\"time\":\"");
    private static final byte[] ROUTE = ascii(",\"route\":");
    private static final byte[] METHOD = ascii(",\"method\":");
    private static final byte[] PATH = ascii(",\"path\":");
    private static final byte[] KEYID = ascii(",\"keyid\":");
    private static final byte[] OUTCOME = ascii(",\"outcome\":");
    private static final byte[] REASON = ascii(",\"reason\":");
    private static final byte[] STATUS = ascii(",\"status\":");
    private static final byte[] LATENCY = ascii(",\"latency_us\":");
    private static final byte[] END = ascii("}\n");
    private static final byte[] NULL = ascii("null");

    /** Each thread's line being formatted and lines not yet taken (the event loops'), and every thread's, for the writer. */
    private final ThreadLocal<Pending> pending = ThreadLocal.withInitial(this::register);
    private final java.util.Set<Pending> all = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final OutputStream out;
    /** What the writer took last and is writing; swapped with a thread's pending bytes. */
    private byte[] taken = new byte[16 * 1024];
    private final Metrics metrics;
    private final Thread writer;
    private volatile boolean running = true;
    /** The last second formatted: every line of that second reuses it (formatting cost 2.5 % of a request). */
    private volatile Second second = new Second(Long.MIN_VALUE, new byte[0]);

    private record Second(long epoch, byte[] text) {}

    public AuditLog(OutputStream out, Metrics metrics) {
        this.out = out;
        this.metrics = metrics;
        this.writer = Thread.ofPlatform().daemon().name("sigcar-audit").start(this::drain);
    }

    public void write(Entry e) {
        Pending p = pending.get();
        AuditLine line = p.line.reset().raw(TIME); // only this thread touches it: formatted outside the lock
        time(line, e.time());
        line.raw('"');
        field(line, ROUTE, e.route());
        field(line, METHOD, e.method());
        field(line, PATH, e.path() == null ? null : truncate(e.path()));
        field(line, KEYID, e.keyId());
        field(line, OUTCOME, e.outcome().label());
        field(line, REASON, e.reason());
        line.raw(STATUS).number(e.status()).raw(LATENCY).number(e.latencyMicros()).raw(END);
        synchronized (p) {
            if (p.lines >= CAPACITY) {
                metrics.auditDropped(); // the writer is behind (stdout's reader stopped reading)
                return;
            }
            p.append(line);
        }
    }

    /** One thread's line being formatted, and its lines that the writer has not taken yet. */
    private static final class Pending {
        private final AuditLine line = new AuditLine();
        private byte[] bytes = new byte[16 * 1024];
        private int length;
        private int lines;

        void append(AuditLine line) {
            if (length + line.length() > bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, Math.max(length + line.length(), bytes.length * 2));
            }
            line.copyTo(bytes, length);
            length += line.length();
            lines++;
        }
    }

    private Pending register() {
        Pending p = new Pending();
        all.add(p);
        return p;
    }

    private void drain() {
        while (true) {
            boolean last = !running; // read before taking: close() waits for what was written before it
            for (Pending p : all) {
                int length;
                synchronized (p) {
                    if (p.length == 0) {
                        continue;
                    }
                    byte[] full = p.bytes;
                    p.bytes = taken;
                    taken = full;
                    length = p.length;
                    p.length = 0;
                    p.lines = 0;
                }
                write(taken, length);
            }
            if (last) {
                return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PERIOD_MILLIS));
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
    void time(AuditLine line, Instant t) {
        Second s = second;
        if (s.epoch() != t.getEpochSecond()) {
            String whole = Instant.ofEpochSecond(t.getEpochSecond()).toString(); // "...T18:50:12Z"
            s = new Second(t.getEpochSecond(), ascii(whole.substring(0, whole.length() - 1)));
            second = s; // a race only formats the same second twice
        }
        line.raw(s.text());
        int nano = t.getNano();
        if (nano != 0) {
            int digits = nano % 1_000_000 == 0 ? 3 : nano % 1_000 == 0 ? 6 : 9;
            int value = digits == 3 ? nano / 1_000_000 : digits == 6 ? nano / 1_000 : nano;
            line.raw('.');
            for (int scale = digits == 3 ? 100 : digits == 6 ? 100_000 : 100_000_000; scale > 0; scale /= 10) {
                line.raw((char) ('0' + value / scale % 10));
            }
        }
        line.raw('Z');
    }

    private static String truncate(String path) {
        return path.length() <= MAX_PATH ? path : path.substring(0, MAX_PATH) + "...";
    }

    private static void field(AuditLine line, byte[] name, String value) {
        line.raw(name);
        if (value == null) {
            line.raw(NULL);
        } else {
            line.raw('"').text(value).raw('"');
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
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
