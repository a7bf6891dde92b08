package io.sigcar.loadtest;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * One thread's engine: a non-blocking Selector loop over its connections that sends each request when
 * it is due and times each answer from that due time.
 *
 * <p>Why one thread and not one per connection: 32 threads each parking until their own due time cost
 * a context switch per request, and on one shared core they queued behind each other, so at ~10k req/s
 * the generator itself was milliseconds to seconds late. Here every wake-up serves whatever is due.
 *
 * <p>How it waits: {@link Selector#select(long)} only has millisecond timeouts, too coarse for a
 * request every 40 µs. So when the next due time is more than {@link #SELECT_AHEAD_NANOS} away it
 * selects with a millisecond timeout that ends before it; closer than that, it polls the sockets
 * ({@code selectNow}) and parks for at most {@link #POLL_SLICE_NANOS} at a time. It never spins: the
 * load test puts the generator on the core the app runs on, and a spinning client would take its CPU.
 * The cost is that an answer can be noticed up to a slice (plus the kernel's timer slack, ~50 µs) late.
 */
final class Loop implements Runnable {

    static final long SELECT_AHEAD_NANOS = TimeUnit.MICROSECONDS.toNanos(1500);
    static final long POLL_SLICE_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    private static final long TIMEOUT_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final OpenLoop.Options o;
    private final OpenLoop.Schedule schedule;
    private final List<byte[]> heads;
    private final InetSocketAddress address;
    private final boolean headRequests;
    private final HttpConnection[] connections;
    private final boolean printMarks;
    private final Selector selector;
    private final Consumer<SelectionKey> onReady = this::ready;
    private final long timeoutNanos;
    private int busy;
    private boolean markedStart;
    private boolean markedEnd;

    final Histogram latency = OpenLoop.histogram();
    final Histogram service = OpenLoop.histogram();
    final Histogram lag = OpenLoop.histogram();
    long ok;
    long non2xx;
    long errors;
    String firstProblem;

    /** Takes the connections {@code k} with {@code k mod loops == index}; loop 0 prints the marks. */
    Loop(OpenLoop.Options o, OpenLoop.Schedule schedule, List<byte[]> heads, int index, int loops) throws IOException {
        this.o = o;
        this.schedule = schedule;
        this.heads = heads;
        this.address = new InetSocketAddress(o.url().getHost(), o.url().getPort());
        this.headRequests = o.method().equals("HEAD");
        this.printMarks = o.marks() && index == 0;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(o.timeoutMillis());
        int largest = heads.stream().mapToInt(h -> h.length).max().orElse(0) + o.body().length;
        this.connections = new HttpConnection[(o.connections() - index + loops - 1) / loops];
        for (int j = 0; j < connections.length; j++) {
            connections[j] = new HttpConnection(index + (long) j * loops, schedule.start(), largest);
        }
        this.selector = Selector.open();
    }

    @Override
    public void run() {
        // Past this, answers still outstanding are abandoned (and so counted as dropped); each request's
        // own timeout normally ends the run long before.
        long hardStop = schedule.end() + 2 * timeoutNanos + TimeUnit.SECONDS.toNanos(2);
        long lastTimeoutCheck = 0;
        try {
            for (long now = System.nanoTime(); now < hardStop; now = System.nanoTime()) {
                long wake = Math.min(marks(now), sendDue(now));
                if (wake == Long.MAX_VALUE && busy == 0) {
                    break; // every connection's share of the schedule is sent and answered
                }
                if (now - lastTimeoutCheck >= TIMEOUT_CHECK_NANOS) {
                    expire(now);
                    lastTimeoutCheck = now;
                }
                long wait = Math.min(wake, now + TIMEOUT_CHECK_NANOS) - now;
                if (busy == 0) {
                    LockSupport.parkNanos(wait); // nothing can arrive that we wait for
                } else if (wait > SELECT_AHEAD_NANOS) {
                    selector.select(onReady, TimeUnit.NANOSECONDS.toMillis(wait - SELECT_AHEAD_NANOS) + 1);
                } else if (selector.selectNow(onReady) == 0 && wait > 0) {
                    LockSupport.parkNanos(Math.min(wait, POLL_SLICE_NANOS));
                }
            }
        } catch (IOException e) {
            problem("selector:" + e.getMessage()); // the Selector itself failed: nothing more can be sent
        } finally {
            for (HttpConnection c : connections) {
                c.close();
            }
            try {
                selector.close();
            } catch (IOException e) {
                // Closing at the end of the run: nothing is lost if it fails.
            }
        }
    }

    /** Prints the window's marks when due; returns when the next one is due. */
    private long marks(long now) {
        if (!printMarks) {
            return Long.MAX_VALUE;
        }
        if (!markedStart && now >= schedule.measureFrom()) {
            System.err.println("measure-start");
            markedStart = true;
        }
        if (!markedEnd && now >= schedule.end()) {
            System.err.println("measure-end");
            markedEnd = true;
        }
        return markedStart ? (markedEnd ? Long.MAX_VALUE : schedule.end()) : schedule.measureFrom();
    }

    /**
     * Sends each free connection's next request if it is due; returns the earliest due time still
     * ahead on a free connection (a busy one sends when its answer comes, not on a timer).
     */
    private long sendDue(long now) {
        long wake = Long.MAX_VALUE;
        boolean tooLate = now >= schedule.end() + OpenLoop.LATE_LIMIT_NANOS;
        for (HttpConnection c : connections) {
            if (c.busy) {
                continue;
            }
            long due = schedule.due(c.next);
            // A request may go out late, but not more than a second past the end: a backlog the
            // server never caught up with is reported as dropped, not drained for minutes.
            if (due >= schedule.end() || tooLate) {
                continue;
            }
            if (due > now) {
                wake = Math.min(wake, due);
                continue;
            }
            send(c, due, now);
            now = System.nanoTime();
        }
        return wake;
    }

    private void send(HttpConnection c, long due, long now) {
        long i = c.next;
        c.next += o.connections();
        c.due = due;
        c.sent = now;
        c.lastProgress = now;
        c.busy = true;
        busy++;
        if (due >= schedule.measureFrom()) {
            // The generator's own lateness: from when it could have sent (due, and the connection free)
            // to when it did. Waiting for a busy connection is the server's doing; it is in the latency.
            lag.recordValue(clamp(now - Math.max(due, c.freeSince)));
        }
        try {
            if (!c.open()) {
                c.connect(address, selector);
            }
            c.send(heads.get((int) (i % heads.size())), o.body(), headRequests);
        } catch (IOException e) {
            fail(c, e, now);
        }
    }

    /** One ready socket: finish its connect, write the rest of its request, or read its answer. */
    private void ready(SelectionKey key) {
        HttpConnection c = (HttpConnection) key.attachment();
        long now = System.nanoTime();
        try {
            if (key.isValid() && key.isConnectable()) {
                c.connected();
                c.lastProgress = now;
            }
            if (key.isValid() && key.isWritable()) {
                c.flush();
                c.lastProgress = now;
            }
            if (key.isValid() && key.isReadable()) {
                c.lastProgress = now;
                if (c.read()) {
                    answered(c, now);
                }
            }
        } catch (IOException e) {
            fail(c, e, now);
        }
    }

    private void answered(HttpConnection c, long now) {
        int status = c.status();
        if (!c.reusable()) {
            c.close(); // Connection: close, or a body delimited by the close: the next request reconnects
        }
        c.busy = false;
        c.freeSince = now;
        busy--;
        if (c.due < schedule.measureFrom()) {
            return;
        }
        latency.recordValue(clamp(now - c.due));
        service.recordValue(clamp(now - c.sent));
        if (status >= 200 && status < 300) {
            ok++;
        } else {
            non2xx++;
            problem("status:" + status);
        }
    }

    /** A request that failed (connect, write, read, or parse): an error if measured; the next reconnects. */
    private void fail(HttpConnection c, IOException e, long now) {
        c.close();
        if (!c.busy) {
            return;
        }
        c.busy = false;
        c.freeSince = now;
        busy--;
        if (c.due >= schedule.measureFrom()) {
            errors++;
            problem(e.getClass().getSimpleName() + ":" + e.getMessage());
        }
    }

    private void expire(long now) {
        for (HttpConnection c : connections) {
            if (c.busy && now - c.lastProgress > timeoutNanos) {
                fail(c, new SocketTimeoutException("no answer in " + o.timeoutMillis() + " ms"), now);
            }
        }
    }

    private void problem(String what) {
        if (firstProblem == null) {
            firstProblem = what;
        }
    }

    private static long clamp(long nanos) {
        return Math.min(OpenLoop.HIGHEST_NANOS, Math.max(0, nanos));
    }
}
