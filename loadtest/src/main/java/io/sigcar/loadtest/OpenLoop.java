package io.sigcar.loadtest;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * An open-model HTTP/1.1 load generator: requests are due at a fixed arrival rate, and each one's
 * latency is measured from the time it was <em>due</em>, not from when it was sent.
 *
 * <p>That is the correction for coordinated omission (as in wrk2): when the server stalls, a
 * closed-loop client stops sending, so the requests that would have arrived during the stall are
 * never timed and the stall shows up once instead of in every request it delayed. Here request
 * {@code i} is due at {@code start + i / rate} and goes to connection {@code i mod C}; a connection
 * that is still busy sends it late, and the wait counts. The send lag (sent minus due) and the
 * service time (answered minus sent) are recorded too, so a slow generator is visible.
 *
 * <pre>
 * java -jar openloop.jar --url http://127.0.0.1:8000/p --rate 5000 --duration 10 [--warmup 2]
 *     [--connections 32] [--method POST] [--body FILE] [--headers FILE] [--hgrm FILE] [--marks true]
 * </pre>
 *
 * {@code --headers} holds header blocks separated by blank lines (the output of
 * {@code sigcar sign --count N}); request {@code i} uses block {@code i mod N}. One summary line of
 * {@code key=value} pairs goes to stdout (latencies in microseconds); {@code --hgrm} writes the
 * latency percentile distribution for plotting; {@code --marks true} prints {@code measure-start} and
 * {@code measure-end} on stderr when the measured window opens and closes, so a caller can sample
 * the server's CPU over exactly that window. Exit status 0 even with errors: the caller judges.
 */
public final class OpenLoop {

    private static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final long LATE_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** What one run is asked to do. */
    record Options(URI url, String method, byte[] body, List<String> headerBlocks, double rate, double durationSeconds,
            double warmupSeconds, int connections, Path hgrm, int timeoutMillis, boolean marks) {}

    /**
     * What one run measured. Latency is from the due time; service from the send time. {@code dropped}
     * counts requests due in the measured window that were never answered because the run ended first
     * (the server fell that far behind).
     */
    record Result(Histogram latency, Histogram service, Histogram lag, long ok, long non2xx, long errors,
            long dropped, String firstProblem, double measuredSeconds) {

        double achievedRate() {
            return (ok + non2xx) / measuredSeconds;
        }
    }

    private OpenLoop() {}

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("openloop: " + e.getMessage());
            System.exit(2);
            return;
        }
        Result result = run(options);
        if (options.hgrm() != null) {
            try (PrintStream out = new PrintStream(Files.newOutputStream(options.hgrm()), false, StandardCharsets.UTF_8)) {
                result.latency().outputPercentileDistribution(out, 1000.0);
            }
        }
        System.out.println(summary(options, result));
    }

    static String summary(Options o, Result r) {
        Histogram l = r.latency();
        return String.format(Locale.ROOT,
                "rate=%.0f achieved=%.0f ok=%d non2xx=%d errors=%d dropped=%d p50_us=%.0f p90_us=%.0f p99_us=%.0f p999_us=%.0f"
                        + " max_us=%.0f service_p50_us=%.0f service_p99_us=%.0f lag_p50_us=%.0f lag_p99_us=%.0f%s",
                o.rate(), r.achievedRate(), r.ok(), r.non2xx(), r.errors(), r.dropped(),
                micros(l, 50), micros(l, 90), micros(l, 99), micros(l, 99.9), l.getMaxValue() / 1000.0,
                micros(r.service(), 50), micros(r.service(), 99), micros(r.lag(), 50), micros(r.lag(), 99),
                r.firstProblem() == null ? "" : " first_problem=" + r.firstProblem().replace(' ', '_'));
    }

    private static double micros(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
    }

    /** Runs the schedule to its end; returns when every connection has finished or timed out. */
    static Result run(Options o) throws InterruptedException {
        List<byte[]> heads = heads(o);
        long interval = Math.round(1e9 / o.rate());
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        long measureFrom = start + Math.round(o.warmupSeconds() * 1e9);
        long end = measureFrom + Math.round(o.durationSeconds() * 1e9);
        List<Worker> workers = new ArrayList<>();
        if (o.marks()) {
            Thread marker = new Thread(() -> {
                sleepUntil(measureFrom);
                System.err.println("measure-start");
                sleepUntil(end);
                System.err.println("measure-end");
            }, "openloop-marks");
            marker.setDaemon(true);
            marker.start();
        }
        for (int k = 0; k < o.connections(); k++) {
            Worker w = new Worker(o, heads, k, start, interval, measureFrom, end);
            workers.add(w);
            w.thread.start();
        }
        // Each worker stops on its own (socket timeouts bound every read); this only bounds a hang.
        long joinDeadline = end + TimeUnit.MILLISECONDS.toNanos(o.timeoutMillis()) * 2 + TimeUnit.SECONDS.toNanos(2);
        Histogram latency = histogram();
        Histogram service = histogram();
        Histogram lag = histogram();
        long ok = 0;
        long non2xx = 0;
        long errors = 0;
        String firstProblem = null;
        for (Worker w : workers) {
            long left = joinDeadline - System.nanoTime();
            if (left > 0) {
                w.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            if (w.thread.isAlive()) {
                w.abort();
                w.thread.join(1000);
            }
            synchronized (w) {
                latency.add(w.latency);
                service.add(w.service);
                lag.add(w.lag);
                ok += w.ok;
                non2xx += w.non2xx;
                errors += w.errors;
                if (firstProblem == null) {
                    firstProblem = w.firstProblem;
                }
            }
        }
        long due = 0;
        for (long t = Math.max(0, (measureFrom - start + interval - 1) / interval); start + t * interval < end; t++) {
            due++;
        }
        long dropped = Math.max(0, due - ok - non2xx - errors);
        return new Result(latency, service, lag, ok, non2xx, errors, dropped, firstProblem, o.durationSeconds());
    }

    private static void sleepUntil(long deadline) {
        for (long now = System.nanoTime(); now < deadline; now = System.nanoTime()) {
            LockSupport.parkNanos(deadline - now);
        }
    }

    static Histogram histogram() {
        return new Histogram(HIGHEST_NANOS, 3);
    }

    /** One pre-built request head per header block: request line, Host, Content-Length, the block. */
    private static List<byte[]> heads(Options o) {
        String target = o.url().getRawPath() == null || o.url().getRawPath().isEmpty() ? "/" : o.url().getRawPath();
        if (o.url().getRawQuery() != null) {
            target += "?" + o.url().getRawQuery();
        }
        String authority = o.url().getHost() + (o.url().getPort() > 0 ? ":" + o.url().getPort() : "");
        List<String> blocks = o.headerBlocks().isEmpty() ? List.of("") : o.headerBlocks();
        List<byte[]> heads = new ArrayList<>(blocks.size());
        for (String block : blocks) {
            StringBuilder sb = new StringBuilder();
            sb.append(o.method()).append(' ').append(target).append(" HTTP/1.1\r\n");
            sb.append("Host: ").append(authority).append("\r\n");
            if (o.body().length > 0 || !o.method().equals("GET")) {
                sb.append("Content-Length: ").append(o.body().length).append("\r\n");
            }
            for (String line : block.lines().toList()) {
                if (!line.isBlank()) {
                    sb.append(line.strip()).append("\r\n");
                }
            }
            sb.append("\r\n");
            heads.add(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        }
        return heads;
    }

    /** One connection and its share of the schedule: requests k, k + C, k + 2C, ... */
    private static final class Worker implements Runnable {
        private final Options o;
        private final List<byte[]> heads;
        private final int index;
        private final long start;
        private final long interval;
        private final long measureFrom;
        private final long end;
        final Thread thread;
        final Histogram latency = histogram();
        final Histogram service = histogram();
        final Histogram lag = histogram();
        long ok;
        long non2xx;
        long errors;
        String firstProblem;
        private volatile HttpConnection connection;
        private volatile boolean aborted;

        Worker(Options o, List<byte[]> heads, int index, long start, long interval, long measureFrom, long end) {
            this.o = o;
            this.heads = heads;
            this.index = index;
            this.start = start;
            this.interval = interval;
            this.measureFrom = measureFrom;
            this.end = end;
            this.thread = new Thread(this, "openloop-" + index);
            this.thread.setDaemon(true);
        }

        void abort() {
            aborted = true;
            HttpConnection c = connection;
            if (c != null) {
                c.close();
            }
        }

        @Override
        public void run() {
            try {
                for (long i = index; !aborted; i += o.connections()) {
                    long due = start + i * interval;
                    // A request may go out late, but not more than a second past the end: a backlog
                    // the server never caught up with is reported as dropped, not drained for minutes.
                    if (due >= end || System.nanoTime() >= end + LATE_LIMIT_NANOS) {
                        break;
                    }
                    sleepUntil(due);
                    send(i, due, System.nanoTime());
                }
            } finally {
                HttpConnection c = connection;
                if (c != null) {
                    c.close();
                }
            }
        }

        private void send(long i, long due, long sent) {
            boolean measured = due >= measureFrom;
            int status;
            try {
                HttpConnection c = connection;
                if (c == null) {
                    c = new HttpConnection(o.url().getHost(), o.url().getPort(), o.timeoutMillis());
                    connection = c;
                }
                status = c.exchange(heads.get((int) (i % heads.size())), o.body());
                if (!c.reusable()) {
                    c.close();
                    connection = null;
                }
            } catch (IOException e) {
                HttpConnection c = connection;
                if (c != null) {
                    c.close();
                }
                connection = null;
                if (measured && !aborted) {
                    synchronized (this) {
                        errors++;
                        if (firstProblem == null) {
                            firstProblem = e.getClass().getSimpleName() + ":" + e.getMessage();
                        }
                    }
                }
                return;
            }
            long done = System.nanoTime();
            if (!measured) {
                return;
            }
            synchronized (this) {
                latency.recordValue(Math.min(HIGHEST_NANOS, done - due));
                service.recordValue(Math.min(HIGHEST_NANOS, done - sent));
                lag.recordValue(Math.min(HIGHEST_NANOS, Math.max(0, sent - due)));
                if (status >= 200 && status < 300) {
                    ok++;
                } else {
                    non2xx++;
                    if (firstProblem == null) {
                        firstProblem = "status:" + status;
                    }
                }
            }
        }
    }

    static Options parse(String[] args) throws IOException {
        URI url = null;
        String method = null;
        byte[] body = new byte[0];
        List<String> blocks = List.of();
        double rate = 0;
        double duration = 0;
        double warmup = 0;
        int connections = 16;
        Path hgrm = null;
        int timeout = 10_000;
        boolean marks = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + ": missing value");
            }
            String v = args[++i];
            try {
                switch (a) {
                    case "--url" -> url = URI.create(v);
                    case "--method" -> method = v.toUpperCase(Locale.ROOT);
                    case "--body" -> body = Files.readAllBytes(Path.of(v));
                    case "--headers" -> blocks = List.of(Files.readString(Path.of(v), StandardCharsets.ISO_8859_1)
                            .strip().split("\\R\\s*\\R"));
                    case "--rate" -> rate = Double.parseDouble(v);
                    case "--duration" -> duration = Double.parseDouble(v);
                    case "--warmup" -> warmup = Double.parseDouble(v);
                    case "--connections" -> connections = Integer.parseInt(v);
                    case "--hgrm" -> hgrm = Path.of(v);
                    case "--timeout-ms" -> timeout = Integer.parseInt(v);
                    case "--marks" -> marks = Boolean.parseBoolean(v);
                    default -> throw new IllegalArgumentException(a + ": unknown option");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(a + ": '" + v + "' is not a number", e);
            }
        }
        if (url == null || !"http".equals(url.getScheme()) || url.getHost() == null || url.getPort() <= 0) {
            throw new IllegalArgumentException("--url: need http://host:port/path");
        }
        if (!(rate > 0) || !(duration > 0) || warmup < 0 || connections < 1 || timeout < 1) {
            throw new IllegalArgumentException("--rate and --duration must be > 0, --connections >= 1, --warmup >= 0");
        }
        if (method == null) {
            method = body.length > 0 ? "POST" : "GET";
        }
        return new Options(url, method, body, blocks, rate, duration, warmup, connections, hgrm, timeout, marks);
    }
}
