package io.sigcar.record;

import io.micrometer.core.instrument.Timer;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Measures event-loop lag: how late a timer on the loop fires. Verification runs on the loop,
 * so this is the wait any request would have had behind whatever held the loop at that moment.
 */
public final class EventLoopLag implements AutoCloseable {

    private final Vertx vertx;
    private final Context context;
    private final Timer lag;
    private final long intervalMillis;
    private volatile boolean closed;
    private long timerId = -1;

    /** @param context the event-loop context the request handlers run on */
    public EventLoopLag(Vertx vertx, Context context, Timer lag, Duration interval) {
        this.vertx = vertx;
        this.context = context;
        this.lag = lag;
        this.intervalMillis = Math.max(1, interval.toMillis());
    }

    public void start() {
        context.runOnContext(v -> schedule());
    }

    // A one-shot timer re-armed after each tick (not a periodic one), so a stall is measured once
    // instead of being followed by a burst of catch-up ticks that would read as zero lag.
    private void schedule() {
        if (closed) {
            return;
        }
        long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(intervalMillis);
        timerId = vertx.setTimer(intervalMillis, id -> {
            lag.record(Math.max(0, System.nanoTime() - due), TimeUnit.NANOSECONDS);
            schedule();
        });
    }

    @Override
    public void close() {
        closed = true;
        context.runOnContext(v -> vertx.cancelTimer(timerId));
    }
}
