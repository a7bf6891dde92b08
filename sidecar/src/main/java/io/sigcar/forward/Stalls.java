package io.sigcar.forward;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The answers that are backed up in front of clients that do not read them, oldest first, and
 * what happens when their buffers put the sidecar short of memory. Each stalled answer holds
 * direct memory (what is queued for its client and what was read from the app) until it drains
 * or {@code send-timeout} cuts it; enough slow readers at once would exhaust direct memory before
 * any of them times out, and then every connection's reads and writes fail. So while Netty's
 * direct memory is over {@link #PRESSURE} of its limit, the oldest stalls are cut, much as
 * Envoy's overload manager resets the streams holding the most buffer under memory pressure.
 * Fast clients are never stalled for long, so they are not the ones cut: under pressure a stall
 * must be {@link #GRACE_NANOS} old to be cut, and only over {@link #CRITICAL} is the oldest cut
 * at once whatever its age.
 */
final class Stalls {

    /** Share of the direct memory limit above which stalled answers are cut, oldest first, once {@link #GRACE_NANOS} old. */
    static final double PRESSURE = 0.5;
    /** Share above which the oldest stalled answers are cut however young they are. */
    static final double CRITICAL = 0.75;
    /**
     * How long an answer must have been stalled before mere pressure cuts it. A client that reads
     * drains its 32 KiB in well under this, so its answer is stalled only briefly, again and again;
     * without the grace, once the slow readers were cut and the allocator still held its chunks
     * (pressure stays), each of those brief stalls was the oldest and was cut.
     */
    static final long GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /** How often the pressure is checked while any answer is stalled, besides at every new stall. */
    static final long CHECK_MILLIS = 100;

    /** One stalled answer: {@link #cut} gives it up on its own event loop. */
    final class Stall {
        private final long seq;
        private final long since = System.nanoTime();
        private final Context context;
        private final Runnable cut;

        private Stall(long seq, Context context, Runnable cut) {
            this.seq = seq;
            this.context = context;
            this.cut = cut;
        }

        /** It drained, ended or was cut: no longer a candidate. */
        void end() {
            stalled.remove(seq);
        }
    }

    private final Vertx vertx;
    private final LongSupplier used;
    private final long limit;
    private final long critical;
    private final Map<Long, Stall> stalled = new ConcurrentSkipListMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private final long timer;

    /**
     * @param used the direct memory in use now
     * @param max  the most that may be used (allocations fail above it)
     */
    Stalls(Vertx vertx, LongSupplier used, long max) {
        this.vertx = vertx;
        this.used = used;
        this.limit = (long) (max * PRESSURE);
        this.critical = (long) (max * CRITICAL);
        this.timer = vertx.setPeriodic(CHECK_MILLIS, id -> check());
    }

    /** Netty's own count of the direct memory it has allocated, against the limit it enforces. */
    static Stalls onNettyMemory(Vertx vertx) {
        return new Stalls(vertx, io.netty.util.internal.PlatformDependent::usedDirectMemory,
                io.netty.util.internal.PlatformDependent.maxDirectMemory());
    }

    /** An answer backed up; {@code cut} (run on {@code context}) gives it up and frees its buffers. */
    Stall add(Context context, Runnable cut) {
        long seq = sequence.incrementAndGet();
        Stall stall = new Stall(seq, context, cut);
        stalled.put(seq, stall);
        check();
        return stall;
    }

    /**
     * Over the limit: cuts the oldest eighth of the stalls (at least one) that have been stalled
     * for the grace (over {@link #CRITICAL}: any), and again at the next check while the limit is
     * still exceeded. Netty's allocator gives memory back by whole chunks, which stay held while
     * any buffer in them lives, so cutting some stalls frees less than their share: waiting between
     * rounds was tried, and let the rest grow to the limit (allocations then failed). Cutting on
     * until the memory is back under the limit keeps everyone else served.
     */
    private void check() {
        long now = stalled.isEmpty() ? 0 : used.getAsLong();
        if (now <= limit) {
            return;
        }
        boolean urgent = now > critical;
        int n = Math.max(1, stalled.size() / 8);
        for (var it = stalled.values().iterator(); it.hasNext() && n > 0; n--) {
            Stall oldest = it.next();
            if (!urgent && System.nanoTime() - oldest.since < GRACE_NANOS) {
                return; // the rest are younger still
            }
            it.remove();
            oldest.context.runOnContext(v -> oldest.cut.run());
        }
    }

    void close() {
        vertx.cancelTimer(timer);
    }
}
