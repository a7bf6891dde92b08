package io.sigcar.forward;

import io.netty.channel.Channel;
import io.sigcar.accept.Channels;
import io.sigcar.reject.Reason;
import io.sigcar.reject.Rejection;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Streams one answer from the app to its client without buffering it. While the client does
 * not take what it was sent, the app's side is paused; a client that stays stalled past the
 * send timeout, or while direct memory runs short, is cut. Fed by either app side: Vert.x's
 * client (HTTP/2, WebSocket handshakes, the shared pool) or an {@link AppLinks} connection.
 */
final class Relay {

    /** The app's side of one answer, as the relay steers it. */
    interface Source {
        void pause();

        void resume();

        /** The answer will not be taken: stop it and free its connection. */
        void abort();
    }

    private final Vertx vertx;
    private final long sendTimeoutMillis;
    private final Stalls stalls;
    private final HttpServerRequest in;
    private final HttpServerResponse to;
    private final Source source;
    /** HTTP/1.x: the client's socket itself, so the app is paused as soon as Netty's buffer is full. */
    private final Channel socket;
    private final Promise<Integer> done = Promise.promise();
    private int status;
    /** The send-timeout timer while the client's queue is full, else -1. */
    private long timer = -1;
    private Stalls.Stall stall;

    Relay(Vertx vertx, long sendTimeoutMillis, Stalls stalls, HttpServerRequest in, Source source) {
        this.vertx = vertx;
        this.sendTimeoutMillis = sendTimeoutMillis;
        this.stalls = stalls;
        this.in = in;
        this.to = in.response();
        this.source = source;
        this.socket = in.version() != HttpVersion.HTTP_2 ? Channels.of(in.connection()) : null;
    }

    /** Completes with the app's status once the answer was relayed to its end, or fails with a {@link Rejection}. */
    Future<Integer> future() {
        return done.future();
    }

    /** The app's response head: status, and the fields that cross the proxy. */
    void head(int code, String message, Iterable<Map.Entry<String, String>> fields, List<String> connection,
            boolean hasLength) {
        head(code, message, sink -> Headers.copyEndToEnd(fields, connection, sink, false), hasLength);
    }

    /**
     * The same, with the fields that cross the proxy given by {@code endToEnd}, which writes them
     * into the sink it is given.
     */
    void head(int code, String message, Consumer<BiConsumer<String, String>> endToEnd, boolean hasLength) {
        status = code;
        to.setStatusCode(code);
        if (!java.util.Objects.equals(message, to.getStatusMessage())) {
            // Only an app's own phrase: the usual one keeps Vert.x's shared status object, and with
            // it Vert.x's rules for that status (a 304 gets no chunked framing; ForwardingTest).
            to.setStatusMessage(message);
        }
        endToEnd.accept(to.headers()::add);
        if (in.version() != HttpVersion.HTTP_2 && !hasLength) {
            to.setChunked(true);
        }
        // A hand-written pipe: Vert.x's pipeTo throws into the event loop when the client has
        // already gone. Here a vanished client simply stops the relay and frees the upstream.
        to.closeHandler(v -> {
            // Settled first: the abort below fails the app's side at once, and its failure
            // must not be recorded as the app's.
            done.tryFail(new Rejection(Reason.CLIENT_CLOSED, "client closed during the response", false));
            clear();
            source.abort();
        });
    }

    void chunk(Buffer chunk) {
        if (to.ended() || to.closed()) {
            return;
        }
        to.write(chunk);
        boolean full = to.writeQueueFull() || socket != null && !socket.isWritable();
        if (full && timer < 0) {
            source.pause();
            // A client that does not read would otherwise hold this connection, the app's
            // connection behind it, an in-flight slot and the buffers for as long as it likes.
            timer = vertx.setTimer(sendTimeoutMillis, id -> giveUp("answer not taken in " + sendTimeoutMillis + " ms"));
            stall = stalls.add(vertx.getOrCreateContext(), () -> giveUp("answer backed up while direct memory ran short"));
            Runnable resume = () -> {
                if (clear()) {
                    source.resume();
                }
            };
            // HTTP/1.x resumes when the socket drains; Vert.x's drain handler only reports its own
            // queue, which this relay does not fill. HTTP/2 streams have only that.
            if (socket == null || !io.sigcar.accept.wire.WriteStall.whenWritable(socket, resume)) {
                to.drainHandler(v -> resume.run());
            }
        }
    }

    void end() {
        end(null);
    }

    /**
     * The answer's end, with its last bytes if they came with it (null if none). The usual small
     * answer is head, body and end in one write through Vert.x: one message through the client's
     * pipeline and one flush, where a write and then an end took two.
     */
    void end(Buffer last) {
        // Complete first: on HTTP/2, end() closes the stream at once, and the close handler
        // above must not then record a served exchange as a client that left.
        done.tryComplete(status);
        clear();
        if (!to.ended() && !to.closed()) {
            if (last == null) {
                to.end();
            } else {
                to.end(last);
            }
        }
    }

    /** The app's side failed before any answer: the exchange answers 502 or 504. */
    void refused(Throwable cause) {
        done.tryFail(Forwarder.classify(cause, in));
    }

    /** The app's side failed after the head was relayed: the client is cut, it cannot be told otherwise. */
    void failed(Throwable cause) {
        // While the client stalls us, the app's side is idle by our doing: its idle timeout
        // firing first is still the client's fault.
        boolean clientStalled = clear();
        if (done.tryFail(clientStalled ? new Rejection(Reason.SEND_TIMEOUT, "answer not taken before the app's"
                + " connection idled out", true) : Forwarder.classify(cause, in))) {
            cut();
        }
    }

    /** True while the client's queue is full and the app's side is paused for it. */
    boolean stalled() {
        return timer >= 0;
    }

    private void giveUp(String why) {
        clear();
        if (done.tryFail(new Rejection(Reason.SEND_TIMEOUT, why, true))) {
            source.abort();
            cut();
        }
    }

    /** Disarms the send timeout and the memory watch; true if they were armed. */
    private boolean clear() {
        boolean was = timer >= 0;
        if (was) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
        if (stall != null) {
            stall.end();
            stall = null;
        }
        return was;
    }

    /** Drops a client that stopped reading: HTTP/2 resets its one stream, HTTP/1.x loses the connection. */
    private void cut() {
        if (in.version() == HttpVersion.HTTP_2) {
            to.reset();
        } else {
            io.sigcar.accept.ConnectionGuard.cut(in.connection(), true);
        }
    }
}
