package io.sigcar.accept;

import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * Deadlines of one fixed length, for the event loop that sets them, kept in the order they were
 * set. All having the same length, that is also the order they fall due, so one Vert.x timer for
 * the earliest serves the whole queue: setting and cancelling a deadline are O(1) and touch no
 * timer, where a timer per request costs a scheduled task and a map entry each, on every request.
 * The timer fires when the earliest deadline still queued is due, so each one fires on time.
 * Only used on event-loop threads; each thread has its own queue.
 */
public final class Deadlines {

    private static final System.Logger LOG = System.getLogger(Deadlines.class.getName());

    private final Vertx vertx;
    private final long nanos;
    private final ThreadLocal<Queue> queues;

    public Deadlines(Vertx vertx, Duration length) {
        this.vertx = vertx;
        this.nanos = Math.max(1, length.toNanos());
        this.queues = ThreadLocal.withInitial(Queue::new);
    }

    /** One deadline: cancel it when what it guards is done in time. */
    public static final class Deadline {
        private final Queue queue;
        private final Runnable onExpiry;
        private final long due;
        private Deadline prev;
        private Deadline next;
        private boolean queued = true;

        private Deadline(Queue queue, Runnable onExpiry, long due) {
            this.queue = queue;
            this.onExpiry = onExpiry;
            this.due = due;
        }

        /** Stops it from firing; harmless once it fired or was cancelled. */
        public void cancel() {
            if (queued) {
                queue.unlink(this);
            }
        }
    }

    /** Runs {@code onExpiry} on this event loop once the length has passed, unless cancelled first. */
    public Deadline start(Runnable onExpiry) {
        return queues.get().add(onExpiry);
    }

    /** The deadlines of one event loop, oldest first. */
    private final class Queue {
        private Deadline head;
        private Deadline tail;
        private long timer = -1;

        Deadline add(Runnable onExpiry) {
            Deadline d = new Deadline(this, onExpiry, System.nanoTime() + nanos);
            if (tail == null) {
                head = d;
            } else {
                tail.next = d;
                d.prev = tail;
            }
            tail = d;
            if (timer < 0) {
                arm(d.due);
            }
            return d;
        }

        void unlink(Deadline d) {
            d.queued = false;
            if (d.prev == null) {
                head = d.next;
            } else {
                d.prev.next = d.next;
            }
            if (d.next == null) {
                tail = d.prev;
            } else {
                d.next.prev = d.prev;
            }
            d.prev = null;
            d.next = null;
            // The timer stays: when it fires, it finds the new earliest deadline and waits for that one.
        }

        private void arm(long due) {
            long millis = Math.max(1, (due - System.nanoTime() + 999_999) / 1_000_000);
            timer = vertx.setTimer(millis, id -> fire());
        }

        private void fire() {
            timer = -1;
            long now = System.nanoTime();
            while (head != null && head.due - now <= 0) {
                Deadline d = head;
                unlink(d);
                try {
                    d.onExpiry.run();
                } catch (RuntimeException e) {
                    // One failing action must not leave the rest of the queue without a timer.
                    LOG.log(System.Logger.Level.WARNING, "deadline action failed: {0}", e.toString());
                }
            }
            if (head != null && timer < 0) { // an action may have set a deadline, and armed for it
                arm(head.due);
            }
        }
    }
}
