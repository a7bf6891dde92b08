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
import org.HdrHistogram.Histogram;

/**
 * An open-model HTTP/1.1 load generator: requests are due at a fixed arrival rate, and each one's
 * latency is measured from the time it was <em>due</em>, not from when it was sent.
 *
 * <p>That is the correction for coordinated omission (as in wrk2): when the server stalls, a
 * closed-loop client stops sending, so the requests that would have arrived during the stall are
 * never timed and the stall shows up once instead of in every request it delayed. Here request
 * {@code i} is due at {@code start + i / rate} and goes to connection {@code i mod C}; a connection
 * that is still busy sends it when its answer comes, late, and the wait counts in the latency.
 *
 * <p>Two more times are recorded so a slow generator is visible. <b>Service</b>: answered minus sent.
 * <b>Lag</b>: the generator's own lateness, sent minus {@code max(due, the moment its connection fell
 * free)}. Lag leaves out the wait for a busy connection on purpose: that wait is the server's doing
 * (it is in the latency), and the caller rejects a point whose lag p99 exceeds 1 ms as "the
 * generator itself was late". The engine is {@link Loop}: one non-blocking Selector thread (or
 * {@code --threads} of them, each with a share of the connections), no thread per connection.
 *
 * <pre>
 * java -jar openloop.jar --url http://127.0.0.1:8000/p --rate 5000 --duration 10 [--warmup 2]
 *     [--connections 32] [--method POST] [--body FILE] [--headers FILE] [--hgrm FILE] [--marks true]
 *     [--timeout-ms 10000] [--threads 1]
 * </pre>
 *
 * {@code --headers} holds header blocks separated by blank lines (the output of
 * {@code sigcar sign --count N}); request {@code i} uses block {@code i mod N}. One summary line of
 * {@code key=value} pairs goes to stdout (latencies in microseconds); {@code --hgrm} writes the
 * latency percentile distribution for plotting; {@code --marks true} prints {@code measure-start} and
 * {@code measure-end} on stderr when the measured window opens and closes, so a caller can sample
 * the server's CPU over exactly that window. {@code --timeout-ms} bounds a connect and the silence
 * while an answer is awaited. Exit status 0 even with errors: the caller judges.
 */
public final class OpenLoop {

    static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(60);
    static final long LATE_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** What one run is asked to do. */
    record Options(URI url, String method, byte[] body, List<String> headerBlocks, double rate, double durationSeconds,
            double warmupSeconds, int connections, Path hgrm, int timeoutMillis, boolean marks, int threads) {}

    /** When request {@code i} is due, and the measured window [measureFrom, end), in nanoTime. */
    record Schedule(long start, double intervalNanos, long measureFrom, long end) {

        long due(long i) {
            return start + (long) (i * intervalNanos);
        }

        /** How many requests fall due in the measured window. */
        long dueInWindow() {
            long first = Math.max(0, (long) Math.ceil((measureFrom - start) / intervalNanos) - 1);
            long count = 0;
            for (long i = first; due(i) < end; i++) {
                count += due(i) >= measureFrom ? 1 : 0;
            }
            return count;
        }
    }

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
    static Result run(Options o) throws IOException, InterruptedException {
        List<byte[]> heads = heads(o);
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        long measureFrom = start + Math.round(o.warmupSeconds() * 1e9);
        Schedule schedule = new Schedule(start, 1e9 / o.rate(), measureFrom,
                measureFrom + Math.round(o.durationSeconds() * 1e9));
        List<Loop> loops = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < o.threads(); t++) {
            Loop loop = new Loop(o, schedule, heads, t, o.threads());
            loops.add(loop);
            threads.add(Thread.ofPlatform().name("openloop-" + t).daemon().start(loop));
        }
        Histogram latency = histogram();
        Histogram service = histogram();
        Histogram lag = histogram();
        long ok = 0;
        long non2xx = 0;
        long errors = 0;
        String firstProblem = null;
        for (int t = 0; t < loops.size(); t++) {
            threads.get(t).join(); // each loop ends by itself, at the latest at its hard stop
            Loop l = loops.get(t);
            latency.add(l.latency);
            service.add(l.service);
            lag.add(l.lag);
            ok += l.ok;
            non2xx += l.non2xx;
            errors += l.errors;
            firstProblem = firstProblem == null ? l.firstProblem : firstProblem;
        }
        long dropped = Math.max(0, schedule.dueInWindow() - ok - non2xx - errors);
        return new Result(latency, service, lag, ok, non2xx, errors, dropped, firstProblem, o.durationSeconds());
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
        int threads = 1;
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
                    case "--threads" -> threads = Integer.parseInt(v);
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
        int cores = Runtime.getRuntime().availableProcessors();
        if (threads < 1 || threads > Math.min(cores, connections)) {
            throw new IllegalArgumentException("--threads: between 1 and min(cores, connections) = "
                    + Math.min(cores, connections));
        }
        if (method == null) {
            method = body.length > 0 ? "POST" : "GET";
        }
        return new Options(url, method, body, blocks, rate, duration, warmup, connections, hgrm, timeout, marks, threads);
    }
}
