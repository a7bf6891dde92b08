package io.sigcar.accept;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A deliberately dumb h2c client that writes frames byte by byte as told (prior knowledge, no
 * flow control, no validation), so it can send what a well-behaved client never would. A
 * reader thread logs every frame the server sends and notices GOAWAY and the close.
 */
final class H2Client implements AutoCloseable {

    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int PING = 0x6;
    static final int GOAWAY = 0x7;
    static final int WINDOW_UPDATE = 0x8;
    static final int CONTINUATION = 0x9;

    static final int END_STREAM = 0x1;
    static final int ACK = 0x1;
    static final int END_HEADERS = 0x4;

    /** A frame from the server. */
    record Frame(int type, int flags, int stream, byte[] payload) {
        /** A HEADERS frame's first header-block byte, past padding length and priority fields. */
        int firstBlockByte() {
            int at = (flags & 0x8) != 0 ? 1 : 0; // PADDED
            at += (flags & 0x20) != 0 ? 5 : 0; // PRIORITY
            return payload[at] & 0xff;
        }

        int errorCode() { // RST_STREAM: the whole payload; GOAWAY: after the last stream id
            int at = type == GOAWAY ? 4 : 0;
            return ((payload[at] & 0xff) << 24) | ((payload[at + 1] & 0xff) << 16) | ((payload[at + 2] & 0xff) << 8)
                    | (payload[at + 3] & 0xff);
        }
    }

    private final Socket socket;
    private final OutputStream out;
    final List<Frame> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final CountDownLatch goaway = new CountDownLatch(1);

    H2Client(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(false);
        out = socket.getOutputStream();
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        frame(SETTINGS, 0, 0, new byte[0]);
        out.flush();
        Thread.ofVirtual().start(this::readLoop);
    }

    private void readLoop() {
        try (DataInputStream in = new DataInputStream(socket.getInputStream())) {
            while (true) {
                int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                int stream = in.readInt() & 0x7fffffff;
                byte[] payload = in.readNBytes(length);
                Frame f = new Frame(type, flags, stream, payload);
                received.add(f);
                if (type == SETTINGS && (flags & ACK) == 0) {
                    synchronized (this) {
                        frame(SETTINGS, ACK, 0, new byte[0]);
                        out.flush();
                    }
                } else if (type == GOAWAY) {
                    goaway.countDown();
                }
            }
        } catch (IOException end) {
            // EOF or reset: the server is done with us
        } finally {
            closed.countDown();
        }
    }

    /** Writes one frame (not flushed). */
    synchronized void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] h = {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length, (byte) type,
            (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream};
        out.write(h);
        out.write(payload);
    }

    /** Writes bytes as they are (a frame split anywhere) and flushes them. */
    synchronized void raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    synchronized void flush() throws IOException {
        out.flush();
    }

    /** A request header block: GET/POST to {@code path}, then extra literal fields (name, value, ...). */
    static byte[] block(String method, String path, String... extra) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(method.equals("GET") ? 0x82 : 0x83); // static table: :method GET / POST
        b.write(0x86); // :scheme http
        literal(b, 4, null, path); // :path, name from the static table
        literal(b, 1, null, "sigcar.test"); // :authority
        for (int i = 0; i < extra.length; i += 2) {
            literal(b, 0, extra[i], extra[i + 1]);
        }
        return b.toByteArray();
    }

    /** HPACK literal without indexing, no Huffman; short strings only. */
    private static void literal(ByteArrayOutputStream b, int nameIndex, String name, String value) {
        b.write(nameIndex); // 0000xxxx: literal without indexing, 4-bit name index (0: literal name follows)
        if (nameIndex == 0) {
            string(b, name);
        }
        string(b, value);
    }

    private static void string(ByteArrayOutputStream b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        if (bytes.length >= 127) {
            throw new IllegalArgumentException("keep test strings short");
        }
        b.write(bytes.length);
        b.writeBytes(bytes);
    }

    static byte[] int32(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    boolean awaitClosed(long seconds) throws InterruptedException {
        return closed.await(seconds, TimeUnit.SECONDS);
    }

    boolean awaitGoawayOrClose(long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (goaway.await(20, TimeUnit.MILLISECONDS) || closed.getCount() == 0) {
                return true;
            }
        }
        return false;
    }

    boolean isClosed() {
        return closed.getCount() == 0;
    }

    /** The first GOAWAY's error code, or -1. */
    int goawayCode() {
        return received.stream().filter(f -> f.type() == GOAWAY).findFirst().map(Frame::errorCode).orElse(-1);
    }

    long count(int type) {
        return received.stream().filter(f -> f.type() == type).count();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
