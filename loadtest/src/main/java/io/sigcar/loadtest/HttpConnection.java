package io.sigcar.loadtest;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * One non-blocking keep-alive HTTP/1.1 client connection and its share of the schedule (requests
 * k, k + C, k + 2C, ...): the request being written, the response being read, and when it fell free.
 */
final class HttpConnection {

    /** The schedule index of the next request this connection sends. */
    long next;
    /** When the connection last finished a request (answer, error or start): lag is counted from here. */
    long freeSince;
    /** The request in flight, if {@link #busy}: when it was due and when it went out. */
    boolean busy;
    long due;
    long sent;
    /** When bytes last moved for the request in flight: the timeout is of silence, as SO_TIMEOUT was. */
    long lastProgress;

    private final ResponseParser parser = new ResponseParser();
    private final ByteBuffer out;
    private final ByteBuffer in = ByteBuffer.allocateDirect(16384);
    private SocketChannel channel;
    private SelectionKey key;

    HttpConnection(long first, long freeSince, int largestRequest) {
        this.next = first;
        this.freeSince = freeSince;
        this.out = ByteBuffer.allocateDirect(largestRequest);
    }

    boolean open() {
        return channel != null;
    }

    /** Starts connecting (non-blocking); the request is written once {@link #connected} says so. */
    void connect(InetSocketAddress address, Selector selector) throws IOException {
        channel = SocketChannel.open();
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        key = channel.register(selector, 0, this);
        if (channel.connect(address)) {
            key.interestOps(SelectionKey.OP_READ);
        } else {
            key.interestOps(SelectionKey.OP_CONNECT);
        }
    }

    /** Completes a connect the selector reported; throws what the connect failed with. */
    void connected() throws IOException {
        channel.finishConnect();
        key.interestOps(SelectionKey.OP_READ);
        flush();
    }

    /** Queues a request; it is written now if connected, else once the connect completes. */
    void send(byte[] head, byte[] body, boolean headRequest) throws IOException {
        out.clear();
        out.put(head).put(body).flip();
        parser.reset(headRequest);
        if (channel.isConnected()) {
            flush();
        }
    }

    /** Writes what the socket takes; asks the selector for the rest (rare: a request is ~1 KiB). */
    void flush() throws IOException {
        channel.write(out);
        int ops = SelectionKey.OP_READ | (out.hasRemaining() ? SelectionKey.OP_WRITE : 0);
        if (key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }

    /**
     * Reads what has arrived; true once the response in flight is whole. Bytes or a close while idle
     * mean the server gave up on the connection (idle timeout, keep-alive limit): it is closed, no error.
     */
    boolean read() throws IOException {
        in.clear();
        int n = channel.read(in);
        in.flip();
        if (!busy) {
            if (n != 0) {
                close();
            }
            return false;
        }
        if (n < 0) {
            return parser.closed();
        }
        if (!parser.feed(in)) {
            return false;
        }
        if (in.hasRemaining() || out.hasRemaining()) {
            // Bytes past the answer, or an answer before the whole request went out: the
            // connection's state is unknown, so it is not used again.
            close();
        }
        return true;
    }

    int status() {
        return parser.status();
    }

    boolean reusable() {
        return open() && parser.reusable();
    }

    void close() {
        if (channel == null) {
            return;
        }
        try {
            channel.close(); // also cancels the key
        } catch (IOException e) {
            // Closing a connection we are done with: nothing is lost if it fails.
        }
        channel = null;
        key = null;
    }
}
